import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

// An egress proxy on loopback (HTTP CONNECT) tunnelling `authority` to a local port: a client
// given HTTPS_PROXY reaches the stand-in under the real name (URL, TLS name and Host stay the
// real ones, nothing resolves in DNS). Other targets, the internet, are refused, as are plain
// requests (a client sending http:// out).
export async function startConnectProxy(authority: string, port: number) {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
  const server = createServer((req, res) => {
    targets.push(`${req.method} ${req.url}`);
    res.writeHead(405).end();
  });
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    if (req.url !== authority)
      return void client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    const upstream = track(
      connect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      }),
    );
    // Either side failing ends the other, so the client sees a reset rather than a hang.
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    // Tunnels are raw sockets the HTTP server no longer tracks: end them by hand.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        sockets.forEach((socket) => socket.destroy());
      }),
  };
}
