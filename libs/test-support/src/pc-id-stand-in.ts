// pc-id's user directory as user-lookup calls it (docs/contracts.md#pc-id), with a fault switch.
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { FaultRule } from './faults';
import { startHttpServer } from './http-servers';
import type { TestServer } from './http-servers';

const PC_ID_PATH = /^\/id\/users\/users\/([^/?#]+)\/$/;

/** pc-id's GET /users/users/{name}/ with `Authorization: Token …`. */
export interface PcIdStandIn {
  /** PC_ID_URL, e.g. http://127.0.0.1:PORT/id */
  readonly url: string;
  /** PC_ID_TOKEN: the only token pc-id accepts. */
  readonly token: string;
  /** pk by user name. */
  readonly accounts: Map<string, number>;
  /** The pk of a name not in `accounts`; undefined answers 404, as pc-id does. */
  fallbackPk: number | undefined;
  fault: FaultRule;
  /** Every request that arrived (recorded before any fault applies). */
  readonly requests: TestServer['requests'];
  /** The decoded names of the authorised lookups, in order. */
  readonly lookups: string[];
  /** How many requests have been answered so far. */
  answered(): number;
  close(): Promise<void>;
}

/** The name a pc-id request asks for (for a fault rule chosen by name). */
export function pcIdNameOf(url = ''): string | undefined {
  const segment = PC_ID_PATH.exec(url)?.[1];
  return segment === undefined ? undefined : decodeURIComponent(segment);
}

export async function startPcIdStandIn(): Promise<PcIdStandIn> {
  const token = `pc-id-token-${Math.random().toString(36).slice(2)}`;
  const accounts = new Map<string, number>();
  const lookups: string[] = [];
  let answered = 0;
  const standIn = {
    accounts,
    token,
    lookups,
    answered: () => answered,
    fault: NO_FAULT as FaultRule,
    fallbackPk: undefined as number | undefined,
  };
  const server = await startHttpServer(async (req, res) => {
    res.on('finish', () => (answered += 1));
    const name = pcIdNameOf(req.url);
    if (name === undefined) return sendJson(res, 404, { detail: 'Not found.' });
    if (req.headers.authorization !== `Token ${token}`)
      return sendJson(res, 401, { detail: 'Invalid token.' });
    lookups.push(name);
    if (await applyFault(() => standIn.fault, req, res)) return;
    const pk = accounts.get(name) ?? standIn.fallbackPk;
    if (pk === undefined) return sendJson(res, 404, { detail: 'Not found.' });
    sendJson(res, 200, { pk, email: name });
  });
  return Object.assign(standIn, {
    url: `${server.url}id`,
    requests: server.requests,
    close: () => server.close(),
  });
}
