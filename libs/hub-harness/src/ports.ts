// Several distinct free ports at once: the hub config needs them all before anything listens.
import { freePort } from '@pchub/test-support';

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
