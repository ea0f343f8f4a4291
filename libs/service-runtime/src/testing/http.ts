import { Agent, request } from 'undici';

// Tests only: an HTTP client with its own keep-alive pool, returning status, headers and JSON.
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export function createClient() {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  return {
    async call(
      url: string,
      init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
    ): Promise<Answer> {
      const res = await request(url, { dispatcher: agent, method: init.method ?? 'GET', ...init });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        headers: res.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    },
    close: () => agent.close(),
  };
}
