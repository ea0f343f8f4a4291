import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The workspace root, the folder holding nx.json: walking up from this file works from the
 * sources and from any bundle in dist/ (the demo, the benchmarks).
 */
export function workspaceRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${__dirname}: run inside the workspace`);
}
