// pc-id's user directory as user-lookup calls it (docs/contracts.md#pc-id), with a fault switch.
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { Fault } from './faults';
import { startHttpServer } from './http-servers';
import type { TestServer } from './http-servers';

const PC_ID_PATH = /^\/id\/users\/users\/([^/?#]+)\/$/;

/** pc-id's GET /users/users/{name}/ with `Authorization: Token …`, and a fault switch. */
export interface PcIdStandIn {
  readonly url: string;
  readonly token: string;
  readonly accounts: Map<string, number>;
  fault: Fault;
  /** Every request that arrived (recorded before any fault applies). */
  readonly requests: TestServer['requests'];
  /** How many requests have been answered so far. */
  answered(): number;
  close(): Promise<void>;
}

export async function startPcIdStandIn(): Promise<PcIdStandIn> {
  const token = `e2e-pcid-${Math.random().toString(36).slice(2)}`;
  const accounts = new Map<string, number>();
  let answered = 0;
  const standIn = { fault: NO_FAULT as Fault, accounts, token, answered: () => answered };
  const server: TestServer = await startHttpServer(async (req, res) => {
    res.on('finish', () => (answered += 1));
    const segment = PC_ID_PATH.exec(req.url ?? '')?.[1];
    if (segment === undefined) return sendJson(res, 404, { detail: 'Not found.' });
    if (req.headers.authorization !== `Token ${token}`)
      return sendJson(res, 401, { detail: 'Invalid token.' });
    if (await applyFault(() => standIn.fault, req, res)) return;
    const name = decodeURIComponent(segment);
    const pk = accounts.get(name);
    if (pk === undefined) return sendJson(res, 404, { detail: 'Not found.' });
    sendJson(res, 200, { pk, email: name });
  });
  return Object.assign(standIn, {
    url: `${server.url}id`,
    requests: server.requests,
    close: () => server.close(),
  });
}
