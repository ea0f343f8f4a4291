// The two user directories of the spawn chain: pc-id as user-lookup calls it
// (docs/contracts.md#pc-id), and user-lookup as the webhook calls it
// (docs/contracts.md#user-lookup-routes). Each knows one token and answers a pk by name.
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { FaultRule } from './faults';
import { startHttpServer } from './http-servers';
import type { TestServer } from './http-servers';

export interface DirectoryStandIn {
  /** PC_ID_URL (http://127.0.0.1:PORT/id) or USER_LOOKUP_URL (…/services/user-lookup/). */
  readonly url: string;
  /** The only token the directory answers (PC_ID_TOKEN; the webhook's hub token). */
  readonly token: string;
  /** pk by user name. */
  readonly accounts: Map<string, number>;
  /** The pk of a name not in `accounts`; undefined answers 404, as the directory does. */
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

export type PcIdStandIn = DirectoryStandIn;

const PC_ID_PATH = /^\/id\/users\/users\/([^/?#]+)\/$/;

/** The name a pc-id request asks for (for a fault rule chosen by name). */
export function pcIdNameOf(url = ''): string | undefined {
  const segment = PC_ID_PATH.exec(url)?.[1];
  return segment === undefined ? undefined : decodeURIComponent(segment);
}

/** pc-id's GET /users/users/{name}/ with `Authorization: Token …`. */
export function startPcIdStandIn(): Promise<PcIdStandIn> {
  return startDirectory({
    root: 'id',
    token: `pc-id-token-${Math.random().toString(36).slice(2)}`,
    nameOf: pcIdNameOf,
    authorization: (token) => `Token ${token}`,
    refused: [401, { detail: 'Invalid token.' }],
    found: (name, pk) => ({ pk, email: name }),
    missing: { detail: 'Not found.' },
  });
}

/** user-lookup's GET api/v1/users/{name}, answering only `token` (its scope's holder). */
export function startUserLookupStandIn(token: string): Promise<DirectoryStandIn> {
  const error = (code: string) => ({ error: { code, message: code } });
  return startDirectory({
    root: 'services/user-lookup/',
    token,
    nameOf: (url = '') => {
      const segment = /^\/services\/user-lookup\/api\/v1\/users\/([^/?#]+)$/.exec(url)?.[1];
      return segment === undefined ? undefined : decodeURIComponent(segment);
    },
    authorization: (accepted) => `token ${accepted}`,
    refused: [403, error('forbidden')],
    found: (name, pk) => ({ name, pk }),
    missing: error('user_not_found'),
  });
}

interface Directory {
  root: string;
  token: string;
  nameOf(url?: string): string | undefined;
  authorization(token: string): string;
  refused: [status: number, body: object];
  found(name: string, pk: number): object;
  missing: object;
}

async function startDirectory(directory: Directory): Promise<DirectoryStandIn> {
  const accounts = new Map<string, number>();
  const lookups: string[] = [];
  let answered = 0;
  const standIn = {
    accounts,
    token: directory.token,
    lookups,
    answered: () => answered,
    fault: NO_FAULT as FaultRule,
    fallbackPk: undefined as number | undefined,
  };
  const server = await startHttpServer(async (req, res) => {
    res.on('finish', () => (answered += 1));
    const name = req.method === 'GET' ? directory.nameOf(req.url) : undefined;
    if (name === undefined) return sendJson(res, 404, directory.missing);
    if (req.headers.authorization !== directory.authorization(directory.token))
      return sendJson(res, ...directory.refused);
    lookups.push(name);
    if (await applyFault(() => standIn.fault, req, res)) return;
    const pk = accounts.get(name) ?? standIn.fallbackPk;
    if (pk === undefined) return sendJson(res, 404, directory.missing);
    sendJson(res, 200, directory.found(name, pk));
  });
  return Object.assign(standIn, {
    url: `${server.url}${directory.root}`,
    requests: server.requests,
    close: () => server.close(),
  });
}
