import type { HubServer, HubUser, UserPage } from './models';
import { hubTimestampMs } from './timestamp';

type JsonObject = Record<string, unknown>;

/*
 * The hot path of user listings: at tens of thousands of users, checking every user with the
 * zod schemas (models.ts) cost about three times as much as fetching and parsing the pages
 * (bench/usage-monitor/README.md). These
 * readers check exactly what those schemas check, in plain code, and return null as soon as
 * anything does not fit (or is an odd case they leave to zod, like a `__proto__` key): the
 * caller then runs the schema, which either accepts after all or names the offending field.
 * So the schemas stay the single definition of what is valid and of every error message;
 * user-reader.spec.ts checks both agree on arbitrary input.
 */

/** A `{items, _pagination}` users page, or null (then ask `userPageSchema`). */
export function readUserPage(body: unknown): UserPage | null {
  if (!isObject(body)) return null;
  const items = readUserList(body['items']);
  const pagination = readPagination(body['_pagination']);
  if (items === null || pagination === null) return null;
  return { items, _pagination: pagination };
}

// The page's items, or null.
function readUserList(value: unknown): HubUser[] | null {
  if (!Array.isArray(value)) return null;
  const users: HubUser[] = [];
  for (const raw of value as unknown[]) {
    const user = readUser(raw);
    if (user === null) return null;
    users.push(user);
  }
  return users;
}

/** One user model (`GET /users/{name}`), or null (then ask `userSchema`). */
export function readUser(raw: unknown): HubUser | null {
  if (!isObject(raw)) return null;
  const { name, kind, admin, groups, roles, server, pending } = raw;
  if (typeof name !== 'string' || !(kind === undefined || typeof kind === 'string')) return null;
  if (!(admin === undefined || typeof admin === 'boolean')) return null;
  if (!isOptionalStringList(groups) || !isOptionalStringList(roles)) return null;
  if (!isNullishString(server) || !isNullishString(pending)) return null;
  const created = timestampOf(raw['created']);
  const lastActivity = timestampOf(raw['last_activity']);
  const servers = readServers(raw['servers']);
  if (created === undefined || lastActivity === undefined || servers === null) return null;
  // the same keys, in the same order, as userSchema's transform
  const user: HubUser = {
    name,
    admin: admin ?? false,
    groups: groups ?? [],
    server: server ?? null,
    pending: pending ?? null,
    created,
    last_activity: lastActivity,
    servers,
  };
  if (kind !== undefined) user.kind = kind;
  if (roles !== undefined) user.roles = roles;
  return user;
}

// A user's servers by name; a hub that left them out (no read:servers) means none.
function readServers(value: unknown): Record<string, HubServer> | null {
  if (value === undefined) return {};
  if (!isObject(value)) return null;
  const servers: Record<string, HubServer> = {};
  for (const key in value) {
    // an own `__proto__` key would set the prototype when assigned; zod's record skips it
    if (key === '__proto__') return null;
    const server = readServer(value[key]);
    if (server === null) return null;
    servers[key] = server;
  }
  return servers;
}

// serverSchema in plain code, with the same defaults for fields older hubs do not send.
function readServer(raw: unknown): HubServer | null {
  if (!isObject(raw)) return null;
  const { name, ready, stopped, pending, url, user_options: options } = raw;
  if (typeof name !== 'string' || typeof ready !== 'boolean' || typeof url !== 'string') {
    return null;
  }
  if (!(stopped === undefined || typeof stopped === 'boolean') || !isNullishString(pending)) {
    return null;
  }
  // the parsed page is ours alone, so its options object can be handed on instead of copied
  if (!(options === undefined || options === null || isPlainRecord(options))) return null;
  const started = timestampOf(raw['started']);
  const lastActivity = timestampOf(raw['last_activity']);
  if (started === undefined || lastActivity === undefined) return null;
  return {
    name,
    ready,
    // `stopped` arrived in JupyterHub 3.0; the hub defines it as not (ready or pending)
    stopped: stopped ?? !(ready || pending),
    pending: pending ?? null,
    url,
    started,
    last_activity: lastActivity,
    user_options: options ?? {},
  };
}

// Where the next page starts: wrong here, the listing would skip or repeat pages.
function readPagination(raw: unknown): UserPage['_pagination'] | null {
  if (!isObject(raw)) return null;
  const { offset, limit, total, next } = raw;
  if (!isFiniteNumber(offset) || !isFiniteNumber(limit) || !isFiniteNumber(total)) return null;
  // like the schema's output: an absent `next` stays absent
  if (next === undefined) return { offset, limit, total };
  if (next === null) return { offset, limit, total, next };
  if (!isObject(next)) return null;
  const { offset: nextOffset, limit: nextLimit, url } = next;
  if (!(Number.isSafeInteger(nextOffset) && (nextOffset as number) >= 0)) return null;
  if (!(Number.isSafeInteger(nextLimit) && (nextLimit as number) > 0)) return null;
  if (!(url === undefined || typeof url === 'string')) return null;
  const step = { offset: nextOffset as number, limit: nextLimit as number };
  return { offset, limit, total, next: url === undefined ? step : { ...step, url } };
}

// A Date, null for no timestamp, undefined for a value that is not a hub timestamp.
function timestampOf(value: unknown): Date | null | undefined {
  if (value === null || value === undefined) return null;
  const ms = hubTimestampMs(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

// What z.object accepts: an object that is not an array.
function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// What the record schema would copy key by key, minus the `__proto__` key it would drop.
function isPlainRecord(value: unknown): value is JsonObject {
  return isObject(value) && !Object.hasOwn(value, '__proto__');
}

// The hub writes None as null; older hubs leave fields out.
function isNullishString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

// groups and roles: absent without the scope to read them, else names.
function isOptionalStringList(value: unknown): value is string[] | undefined {
  if (value === undefined) return true;
  if (!Array.isArray(value)) return false;
  for (const item of value as unknown[]) if (typeof item !== 'string') return false;
  return true;
}

// z.number() refuses NaN and the infinities (JSON.parse never makes them; other callers might).
function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
