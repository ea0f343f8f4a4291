import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// An egress proxy on loopback (HTTP CONNECT) handing the tunnels to `authority` to a stand-in's
// server (`accept`): a client given HTTPS_PROXY reaches the stand-in under the real name (URL,
// TLS name and Host stay the real ones, nothing resolves in DNS). Other targets, the internet,
// are refused, as are plain requests (a client sending http:// out).
export async function startConnectProxy(authority: string, accept: (socket: Socket) => void) {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    targets.push(`${req.method} ${req.url}`);
    res.writeHead(405).end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    if (req.url !== authority)
      return void client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) client.unshift(head);
    accept(client);
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
