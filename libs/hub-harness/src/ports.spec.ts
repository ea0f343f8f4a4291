import { freePort } from '@pchub/test-support';
import { freePorts } from './ports';

// The OS rarely hands out the same port twice: a scripted sequence shows what freePorts skips.
jest.mock('@pchub/test-support', () => ({ freePort: jest.fn() }));

describe('freePorts', () => {
  it('skips ports it already has', async () => {
    const sequence = [7001, 7001, 7002];
    jest.mocked(freePort).mockImplementation(async () => sequence.shift()!);
    expect(await freePorts(2)).toEqual([7001, 7002]);
    expect(sequence).toEqual([]);
  });
});
