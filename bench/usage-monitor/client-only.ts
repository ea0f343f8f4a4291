import { HubClient } from '@pchub/hub-client';

/**
 * Iterates the hub client's paged listing and drops every user: what the shared client costs
 * on its own (HTTP, JSON, validation, dates), to tell its share from the monitor's.
 */
export function clientLister(apiUrl: string, token: string): () => Promise<number> {
  const hub = new HubClient({ apiUrl, token });
  return async () => {
    let users = 0;
    for await (const user of hub.listUsers({ state: 'active', limit: 200 }, () =>
      AbortSignal.timeout(60_000),
    )) {
      if (user.name) users += 1;
    }
    return users;
  };
}
