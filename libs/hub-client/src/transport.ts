import { networkFailure, upstreamAgent } from '@pchub/upstream';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { HubError } from './hub-error';

// A hub page of 200 users with servers is well under 1 MiB; far beyond that the hub is broken.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface GetRequest {
  /** API path, e.g. '/users' */
  path: string;
  query?: URLSearchParams;
  token: string;
  accept?: string;
}

/** GETs JSON from the hub over a keep-alive pool, mapping every failure to a HubError. */
export class HubTransport {
  // one pool for the client's life: the usage monitor pages through users every cycle
  private readonly agent;

  constructor(
    private readonly apiUrl: string,
    connections: number,
  ) {
    this.agent = upstreamAgent({ maxResponseBytes: MAX_BODY_BYTES, connections });
  }

  // The caller's signal covers connect, headers and body alike.
  async getJson(req: GetRequest, signal: AbortSignal): Promise<unknown> {
    const query = req.query?.size ? `?${req.query}` : '';
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.apiUrl + req.path + query, {
        dispatcher: this.agent,
        method: 'GET',
        headers: {
          authorization: `token ${req.token}`,
          accept: req.accept ?? 'application/json',
          'user-agent': 'pchub-hub-client',
        },
        signal,
      });
    } catch (error) {
      throw this.transportError(error, signal, req.path);
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      await response.body.dump().catch(() => undefined);
      throw new HubError(
        'hub_http_error',
        `the hub answered ${response.statusCode} to GET ${req.path}`,
        req.path,
        response.statusCode,
      );
    }
    const text = await this.readBody(response.body, signal, req.path);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HubError(
        'hub_bad_response',
        `the hub's answer to GET ${req.path} is not JSON`,
        req.path,
      );
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  // The whole body as text, under the same deadline; the pool's maxResponseSize enforces the cap
  // while it streams in (it drops the connection past it, chunked or not).
  private async readBody(
    body: Dispatcher.ResponseData['body'],
    signal: AbortSignal,
    path: string,
  ): Promise<string> {
    try {
      return await body.text();
    } catch (error) {
      if ((error as { code?: unknown })?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
        throw new HubError(
          'hub_bad_response',
          `the hub's answer to GET ${path} is larger than ${MAX_BODY_BYTES} bytes`,
          path,
        );
      }
      throw this.transportError(error, signal, path);
    }
  }

  // Names the failure by its error code only (networkFailure): never the original message.
  private transportError(error: unknown, signal: AbortSignal, path: string): HubError {
    if (signal.aborted) {
      return new HubError(
        'hub_timeout',
        `the hub did not answer GET ${path} within the deadline`,
        path,
      );
    }
    return new HubError(
      'hub_unreachable',
      `cannot reach the hub for GET ${path} (${networkFailure(error)})`,
      path,
    );
  }
}
