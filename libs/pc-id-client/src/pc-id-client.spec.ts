import type { ServerResponse } from 'node:http';
import { expectNoSecrets, startHttpServer, type TestServer } from '@pchub/test-support';
import { UpstreamError } from '@pchub/upstream';
import { InvalidUserNameError, PcIdClient } from './index';

const TOKEN = 'pcid-secret-token-3f9a1c';

// The fake pc-id answers by the last path segment, so each test picks a behaviour with the name.
const behaviours: Record<string, (res: ServerResponse) => void> = {
  missing: (res) =>
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found."}'),
  broken: (res) => res.writeHead(500).end('oops'),
  refused: (res) => res.writeHead(401).end('{"detail":"Invalid token."}'),
  moved: (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end(),
  notjson: (res) => res.writeHead(200).end('<html>'),
  pkstring: (res) => res.writeHead(200).end('{"pk":"7"}'),
  pkfraction: (res) => res.writeHead(200).end('{"pk":1.5}'),
  pkzero: (res) => res.writeHead(200).end('{"pk":0}'),
  nopk: (res) => res.writeHead(200).end('{"id":7}'),
  nullbody: (res) => res.writeHead(200).end('null'),
  huge: (res) => res.writeHead(200).end(`{"pk":1,"pad":"${'x'.repeat(200_000)}"}`),
  reset: (res) => res.socket?.destroy(),
  silent: () => undefined,
  slowbody: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"pk":');
  },
};

let server: TestServer;
let client: PcIdClient;
const messages: string[] = [];
// The caller's deadline: findUser has no timer of its own.
const deadline = () => AbortSignal.timeout(300);

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const segment = decodeURIComponent(req.url?.split('/').at(-2) ?? '');
    const behave = Object.hasOwn(behaviours, segment) ? behaviours[segment] : undefined;
    if (behave) return behave(res);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"pk":42,"email":"x"}');
  });
  client = new PcIdClient({ baseUrl: `${server.url}id/`, token: TOKEN });
});

afterAll(async () => {
  await client.close();
  await server.close();
  // Every error message the client produced in this file, checked in one place.
  expectNoSecrets(messages.join('\n'), [TOKEN]);
});

// Runs a lookup that must fail and keeps its message for the secret check.
async function failure(name: string, signal = deadline()): Promise<UpstreamError> {
  const error = await client.findUser(name, signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  messages.push((error as Error).message);
  return error as UpstreamError;
}

function lastRequest() {
  const request = server.requests.at(-1);
  if (!request) throw new Error('no request reached the fake pc-id');
  return request;
}

describe('PcIdClient.findUser', () => {
  it('answers the record for 200 and sends the token and the encoded name', async () => {
    expect(await client.findUser('ada+hub@example.com', deadline())).toEqual({ pk: 42 });
    const request = lastRequest();
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/id/users/users/ada%2Bhub%40example.com/');
    expect(request.headers['authorization']).toBe(`Token ${TOKEN}`);
  });

  it.each([
    ["o'neil@example.com", "/id/users/users/o'neil%40example.com/"],
    ['jürgen@example.de', '/id/users/users/j%C3%BCrgen%40example.de/'],
    ['a/b', '/id/users/users/a%2Fb/'],
    ['../admin', '/id/users/users/..%2Fadmin/'],
    ['%2F', '/id/users/users/%252F/'],
    ['%2e%2e', '/id/users/users/%252e%252e/'],
    ['q?x=1#f', '/id/users/users/q%3Fx%3D1%23f/'],
    ['a\\b', '/id/users/users/a%5Cb/'],
    ['...', '/id/users/users/.../'],
    ['with space', '/id/users/users/with%20space/'],
  ])('sends %j as the single segment %s', async (name, path) => {
    await client.findUser(name, deadline());
    expect(lastRequest().path).toBe(path);
  });

  it('accepts 256 characters, counted in code points', async () => {
    await client.findUser('🙂'.repeat(256), deadline());
    expect(lastRequest().path).toBe(`/id/users/users/${'%F0%9F%99%82'.repeat(256)}/`);
  });

  it.each([
    ['', 'the user name is empty'],
    ['.', 'the user name is a relative path segment'],
    ['..', 'the user name is a relative path segment'],
    ['a'.repeat(257), 'the user name is longer than 256 characters'],
    ['a\nb', 'the user name contains a control character'],
    ['a\u0000', 'the user name contains a control character'],
    ['a\u007f', 'the user name contains a control character'],
    ['a\u0085', 'the user name contains a control character'],
    ['a\ud800b', 'the user name is not well-formed Unicode'],
  ])('refuses %j without calling pc-id', async (name, message) => {
    const before = server.requests.length;
    await expect(client.findUser(name, deadline())).rejects.toThrow(
      new InvalidUserNameError(message),
    );
    expect(server.requests.length).toBe(before);
  });

  it('answers null for 404', async () => {
    expect(await client.findUser('missing', deadline())).toBeNull();
  });

  it.each([
    ['broken', 'pc-id answered HTTP 500'],
    ['refused', 'pc-id refused the lookup (HTTP 401): check the pc-id token'],
    ['moved', 'pc-id answered HTTP 302'],
    ['notjson', 'pc-id answered 200 with a body that is not JSON'],
    ['pkstring', 'pc-id answered 200 without a positive integer pk'],
    ['pkfraction', 'pc-id answered 200 without a positive integer pk'],
    ['pkzero', 'pc-id answered 200 without a positive integer pk'],
    ['nopk', 'pc-id answered 200 without a positive integer pk'],
    ['nullbody', 'pc-id answered 200 without a positive integer pk'],
  ])('maps %s to upstream_error', async (name, message) => {
    const error = await failure(name);
    expect(error).toMatchObject({ code: 'upstream_error', upstream: 'pc-id', message });
  });

  it('refuses an oversized body', async () => {
    expect(await failure('huge')).toMatchObject({
      code: 'upstream_error',
      message: 'pc-id request failed: UND_ERR_RES_EXCEEDED_MAX_SIZE',
    });
  });

  it('maps a reset connection to upstream_error', async () => {
    expect(await failure('reset')).toMatchObject({
      code: 'upstream_error',
      message: 'pc-id request failed: UND_ERR_SOCKET',
    });
  });

  it('maps a refused connection to upstream_error', async () => {
    const closed = await startHttpServer(() => undefined);
    await closed.close();
    const offline = new PcIdClient({ baseUrl: closed.url, token: TOKEN });
    const error = await offline.findUser('ada', deadline()).catch((e: unknown) => e);
    await offline.close();
    expect(error).toMatchObject({
      code: 'upstream_error',
      message: 'pc-id request failed: ECONNREFUSED',
    });
  });

  it("times out a server that never answers at the caller's deadline", async () => {
    expect(await failure('silent')).toMatchObject({
      code: 'upstream_timeout',
      upstream: 'pc-id',
      message: 'pc-id did not answer within the deadline',
    });
  });

  it('times out a body that never ends', async () => {
    expect(await failure('slowbody')).toMatchObject({ code: 'upstream_timeout' });
  });

  it('answers its own upstream_timeout when the caller aborts with an error of its own', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new UpstreamError('upstream_timeout', 'lookup', 'x')), 20);
    expect(await failure('silent', controller.signal)).toMatchObject({
      upstream: 'pc-id',
      message: 'pc-id did not answer within the deadline',
    });
  });

  it('answers upstream_timeout at once for an already aborted signal', async () => {
    const before = server.requests.length;
    expect(await failure('ada', AbortSignal.abort())).toMatchObject({ code: 'upstream_timeout' });
    expect(server.requests.length).toBe(before);
  });
});

describe('PcIdClient options', () => {
  it.each([
    [{ baseUrl: 'not a url' }, 'pc-id-client: baseUrl must be an absolute http(s) URL'],
    [{ baseUrl: 'ftp://example.com/' }, 'pc-id-client: baseUrl must be an absolute http(s) URL'],
    [
      { baseUrl: 'https://example.com/id?x=1' },
      'pc-id-client: baseUrl must not carry credentials, a query or a fragment',
    ],
    [
      { baseUrl: 'https://u:p@example.com/id' },
      'pc-id-client: baseUrl must not carry credentials, a query or a fragment',
    ],
    [{ token: '' }, 'pc-id-client: token must be a non-empty string without whitespace'],
    [{ token: 'a b' }, 'pc-id-client: token must be a non-empty string without whitespace'],
    [{ token: 'a\r\nX: y' }, 'pc-id-client: token must be a non-empty string without whitespace'],
  ])('rejects %p', (override, message) => {
    const options = { baseUrl: 'https://example.com/id', token: TOKEN, ...override };
    expect(() => new PcIdClient(options)).toThrow(new TypeError(message));
  });

  it.each(['id', 'id?', 'id#'])('joins the base %j to the users path', async (suffix) => {
    const plain = new PcIdClient({ baseUrl: `${server.url}${suffix}`, token: TOKEN });
    await plain.findUser('ada', deadline());
    await plain.close();
    expect(lastRequest().path).toBe('/id/users/users/ada/');
  });
});
