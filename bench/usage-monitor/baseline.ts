import { Agent, request } from 'undici';

/** What a bare listing saw: the floor any monitor cycle pays (HTTP + JSON.parse, nothing else). */
export interface BareListing {
  pages: number;
  users: number;
}

interface Page {
  items: unknown[];
  _pagination: { next: { offset: number; limit: number } | null };
}

/**
 * Fetches and parses every page of active users the way the monitor asks for them (same
 * query, headers and keep-alive pool settings as the hub client), and does nothing else.
 */
export function bareLister(apiUrl: string, token: string): () => Promise<BareListing> {
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: 8 });
  return async () => {
    let offset = 0;
    let pages = 0;
    let users = 0;
    for (;;) {
      const response = await request(`${apiUrl}/users?state=active&offset=${offset}&limit=200`, {
        dispatcher: agent,
        headers: {
          authorization: `token ${token}`,
          accept: 'application/jupyterhub-pagination+json',
        },
      });
      const page = JSON.parse(await response.body.text()) as Page;
      pages += 1;
      users += page.items.length;
      if (!page._pagination.next) return { pages, users };
      offset = page._pagination.next.offset;
    }
  };
}
