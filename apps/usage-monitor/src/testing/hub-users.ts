import type { HubServer, HubUser } from '@pchub/hub-client';

/** Shape of a server in the unit tests: what the monitor reads, the rest defaulted. */
export interface ServerSketch {
  name?: string;
  profile?: unknown;
  started?: Date | null;
  stopped?: boolean;
}

/** Builds a HubUser the way the hub client yields it, from a short sketch. */
export function hubUser(name: string, servers: ServerSketch[]): HubUser {
  const models: Record<string, HubServer> = {};
  for (const sketch of servers) {
    const serverName = sketch.name ?? '';
    models[serverName] = {
      name: serverName,
      ready: !sketch.stopped,
      stopped: sketch.stopped ?? false,
      pending: null,
      url: `/user/${name}/${serverName}`,
      started: sketch.started === undefined ? new Date('2024-05-01T10:00:00Z') : sketch.started,
      last_activity: null,
      user_options: sketch.profile === undefined ? {} : { profile: sketch.profile },
    };
  }
  return {
    name,
    admin: false,
    groups: [],
    server: null,
    pending: null,
    created: null,
    last_activity: null,
    servers: models,
  };
}
