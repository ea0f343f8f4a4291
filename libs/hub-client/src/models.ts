import { z } from 'zod';
import { parseHubTimestamp } from './timestamp';

/** The owner of a token, as `GET /user` describes it (JupyterHub 2.0+ adds `scopes`). */
export interface TokenOwner {
  kind: 'user' | 'service';
  name: string;
  scopes: string[];
  admin?: boolean;
  groups?: string[];
  roles?: string[];
}

/** One server of a user; fields the token may not read come back with their empty value. */
export interface HubServer {
  name: string;
  ready: boolean;
  stopped: boolean;
  pending: string | null;
  url: string;
  started: Date | null;
  last_activity: Date | null;
  user_options: Record<string, unknown>;
}

/** A user model; with a least-privilege token the hub leaves out fields, which get empty values. */
export interface HubUser {
  name: string;
  kind?: string;
  admin: boolean;
  groups: string[];
  roles?: string[];
  server: string | null;
  pending: string | null;
  created: Date | null;
  last_activity: Date | null;
  servers: Record<string, HubServer>;
}

// Timestamps become Dates here so callers never parse strings; null/absent means "never".
const timestamp = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined) return null;
    try {
      return parseHubTimestamp(value);
    } catch (error) {
      ctx.addIssue((error as Error).message);
      return z.NEVER;
    }
  });

const stringList = z.array(z.string());

const serverSchema = z
  .object({
    name: z.string(),
    ready: z.boolean(),
    stopped: z.boolean().optional(),
    pending: z.string().nullish(),
    url: z.string(),
    started: timestamp,
    last_activity: timestamp,
    // spawners may leave user_options as None
    user_options: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((server): HubServer => ({
    name: server.name,
    ready: server.ready,
    // `stopped` arrived in JupyterHub 3.0; the hub defines it as not (ready or pending)
    stopped: server.stopped ?? !(server.ready || server.pending),
    pending: server.pending ?? null,
    url: server.url,
    started: server.started,
    last_activity: server.last_activity,
    user_options: server.user_options ?? {},
  }));

/** One user model, as `GET /users/{name}` and every item of a page describe it. */
export const userSchema = z
  .object({
    name: z.string(),
    kind: z.string().optional(),
    admin: z.boolean().optional(),
    groups: stringList.optional(),
    roles: stringList.optional(),
    server: z.string().nullish(),
    pending: z.string().nullish(),
    created: timestamp,
    last_activity: timestamp,
    servers: z.record(z.string(), serverSchema).optional(),
  })
  .transform((user): HubUser => {
    const model: HubUser = {
      name: user.name,
      admin: user.admin ?? false,
      groups: user.groups ?? [],
      server: user.server ?? null,
      pending: user.pending ?? null,
      created: user.created,
      last_activity: user.last_activity,
      servers: user.servers ?? {},
    };
    if (user.kind !== undefined) model.kind = user.kind;
    if (user.roles !== undefined) model.roles = user.roles;
    return model;
  });

const userListSchema = z.array(userSchema);

export const userPageSchema = z.object({
  items: userListSchema,
  _pagination: z.object({
    offset: z.number(),
    limit: z.number(),
    total: z.number(),
    next: z
      .object({
        offset: z.number().int().nonnegative(),
        limit: z.number().int().positive(),
        url: z.string().optional(),
      })
      .nullish(),
  }),
});

/** A `{items, _pagination}` page of users, as the hub client reads it. */
export type UserPage = z.output<typeof userPageSchema>;

export const tokenOwnerSchema = z
  .object({
    kind: z.enum(['user', 'service']),
    name: z.string(),
    scopes: stringList,
    admin: z.boolean().optional(),
    groups: stringList.optional(),
    roles: stringList.optional(),
  })
  .transform((owner): TokenOwner => {
    const model: TokenOwner = { kind: owner.kind, name: owner.name, scopes: owner.scopes };
    if (owner.admin !== undefined) model.admin = owner.admin;
    if (owner.groups !== undefined) model.groups = owner.groups;
    if (owner.roles !== undefined) model.roles = owner.roles;
    return model;
  });
