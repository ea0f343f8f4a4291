// Jest globalTeardown of the e2e project: no hub process outlives the test run.
import { reapAfterRun } from './reaper';

export default async function globalTeardown(): Promise<void> {
  await reapAfterRun();
}
