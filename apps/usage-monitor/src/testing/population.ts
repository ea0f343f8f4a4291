import type { FakeUser } from './fake-hub';

export const PROFILES = ['cpu-small', 'cpu-large', 'gpu-pytorch', 'gpu-tensorflow'];

/**
 * `count` active users for the fake hub: profiles in turn, every fifth user without a profile,
 * every tenth with a second, named server. Deterministic, so runs compare.
 */
export function population(count: number, started = '2024-05-01T10:00:00.123456Z'): FakeUser[] {
  const users: FakeUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = `user-${String(i).padStart(6, '0')}@example.org`;
    const servers = [
      { name: '', started, ...(i % 5 === 4 ? {} : { profile: PROFILES[i % PROFILES.length] }) },
    ];
    if (i % 10 === 0) servers.push({ name: 'dask', started, profile: 'gpu-pytorch' });
    users.push({ name, servers });
  }
  return users;
}
