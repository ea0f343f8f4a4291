import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { freePort } from '@pchub/test-support';
import { freePorts, portInUse } from './ports';

// The OS rarely hands out the same port twice: a scripted sequence shows what freePorts skips.
jest.mock('@pchub/test-support', () => ({ freePort: jest.fn() }));

describe('portInUse', () => {
  it('tells a port something listens on from a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await portInUse(port)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await portInUse(port)).toBe(false);
  });
});

describe('freePorts', () => {
  it('skips ports it already has and ports the caller fixed', async () => {
    const sequence = [7001, 7000, 7001, 7002];
    jest.mocked(freePort).mockImplementation(async () => sequence.shift()!);
    expect(await freePorts(2, [7000])).toEqual([7001, 7002]);
    expect(sequence).toEqual([]);
  });
});
