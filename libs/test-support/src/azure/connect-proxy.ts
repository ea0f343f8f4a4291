import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An egress proxy on loopback (HTTP CONNECT) that tunnels chosen `host:port` authorities to
 * local ports. A client given HTTPS_PROXY then reaches a stand-in under a real service's name:
 * the URL, TLS server name and Host header stay the real ones, nothing resolves in DNS.
 */
export interface ConnectProxy {
  /** The HTTPS_PROXY value, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every request's target in arrival order: `host:port` for CONNECT, else `METHOD url`. */
  readonly targets: string[];
  close(): Promise<void>;
}

/** Starts the proxy; `routes` maps an authority (`login.microsoftonline.com:443`) to a local port. */
export async function startConnectProxy(routes: Record<string, number>): Promise<ConnectProxy> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    targets.push(`${req.method} ${req.url}`);
    // Only tunnels are served: a plain proxied request means a client sent http:// out.
    res.writeHead(405, { 'content-type': 'text/plain' }).end('only CONNECT is served');
  });
  server.on('connection', (socket: Socket) => track(sockets, socket));
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    targets.push(authority);
    const port = Object.hasOwn(routes, authority) ? routes[authority] : undefined;
    if (port === undefined) {
      // Anything else would be the internet, which tests never reach.
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    tunnel(client, head, port, sockets);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Tunnels are raw sockets the HTTP server no longer tracks: end them by hand.
        sockets.forEach((socket) => socket.destroy());
      }),
  };
}

// Pipes the client's socket to the local port once that connection is up.
function tunnel(client: Socket, head: Buffer, port: number, sockets: Set<Socket>): void {
  const upstream = track(sockets, connect(port, '127.0.0.1'));
  upstream.once('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  // Either side failing ends the other, so the client sees a reset rather than a hang.
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}

// Remembers a socket until it closes, so close() can end every tunnel still open.
function track(sockets: Set<Socket>, socket: Socket): Socket {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}
