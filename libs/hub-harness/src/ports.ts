// Several distinct free ports at once: the hub config needs them all before anything listens.
import { createServer } from 'node:net';
import { freePort } from '@pchub/test-support';

/** `count` distinct free ports, none of them in `taken` (ports fixed by the caller). */
export async function freePorts(count: number, taken: readonly number[] = []): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (!taken.includes(port)) ports.add(port);
  }
  return [...ports];
}

/** Whether something already listens on 127.0.0.1:port (the proxy would not start there). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(true) : reject(error),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
