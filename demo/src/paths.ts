// Where the demo finds what it runs: the venv setup-tools builds and its own page templates.
import { join } from 'node:path';
import { repoRoot } from '@pchub/hub-harness';

export { repoRoot };
/** JupyterHub 5.5 (the chart's) with JupyterLab: `scripts/setup-tools.sh demo` builds it. */
export const DEMO_VENV = join(repoRoot, '.tools/demo');
/** The demo's login page, found before the chart's (which only links to pc-id's OAuth). */
export const DEMO_TEMPLATES_DIR = join(repoRoot, 'demo/templates');
