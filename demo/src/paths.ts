// Where the demo finds what it ships beside its code.
import { join } from 'node:path';
import { repoRoot } from '@pchub/hub-harness';

/** The example notebooks the user servers' post-start hook pulls (demo-values.ts). */
export const EXAMPLES_DIR = join(repoRoot, 'demo/examples');
/** Of those, the one that runs a Dask Gateway cluster. */
export const DASK_NOTEBOOK = 'dask-gateway.ipynb';
