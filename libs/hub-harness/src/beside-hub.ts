// Processes a test runs beside its hubs (a Prometheus, a second service process): marked like the
// hub's own and given a temp dir of the same kind, so that the run's reaper (global teardown, or
// the next run's startHub) ends and removes what a failed test left behind.
import { mkdtemp } from 'node:fs/promises';
import { dataDirPrefix, markerName, newMarker } from './reaper';

/** The environment entry that marks a process as this run's, for the reaper. */
export function runMarker(): Record<string, string> {
  return { [markerName]: newMarker() };
}

/** A new temp dir the reaper removes once this run is gone. */
export function runTempDir(): Promise<string> {
  return mkdtemp(dataDirPrefix());
}
