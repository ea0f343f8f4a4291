import { join } from 'node:path';
import { serveExpress, serveHttp } from './baselines';
import { benchCacheHits } from './cache-hits';
import { benchCoalescing } from './coalescing';
import { benchHubResponsiveness } from './hub-responsiveness';

// Usage (see README.md): bench/spawn-webhook/run.sh [cache-hits|coalescing|hub ...]
// The bundle sits two levels below the repository root (dist/bench-spawn-webhook).
const ROOT = join(__dirname, '../..');
const WEBHOOK = join(ROOT, 'dist/apps/spawn-webhook/main.js');
const USER_LOOKUP = join(ROOT, 'dist/apps/user-lookup/main.js');

const BENCHES: Record<string, () => Promise<void>> = {
  'cache-hits': () => benchCacheHits(WEBHOOK, USER_LOOKUP, __filename),
  coalescing: () => benchCoalescing(WEBHOOK, USER_LOOKUP),
  hub: () => benchHubResponsiveness(),
};

async function main(): Promise<void> {
  const [role] = process.argv.slice(2);
  // Child roles: the baseline servers run from this same bundle.
  if (role === 'serve-express') return serveExpress(Number(process.env['PORT']));
  if (role === 'serve-http') return serveHttp(Number(process.env['PORT']));
  const chosen = process.argv.slice(2);
  for (const name of chosen.length ? chosen : Object.keys(BENCHES)) {
    const bench = BENCHES[name];
    if (!bench)
      throw new Error(`unknown benchmark ${name}; choose from ${Object.keys(BENCHES).join(', ')}`);
    await bench();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
