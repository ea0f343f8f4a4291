// Tests only (type:test). One stand-in per upstream, all sharing one fault model:
export { CALLER_TOKENS, CALLERS, population, startHubStandIn } from './hub-stand-in';
export type { HubStandIn, TokenOwner } from './hub-stand-in';
export { pcIdNameOf, startPcIdStandIn, startUserLookupStandIn } from './directory-stand-ins';
export type { DirectoryStandIn, PcIdOAuthClient, PcIdStandIn } from './directory-stand-ins';
export { APIM, startArmStandIn, type ApimKeys, type ArmStandIn } from './azure/arm-stand-in';
export {
  ENTRA_AUTHORITY_HOST,
  startEntraTokenStandIn,
  startManagedIdentityStandIn,
} from './azure/identity-stand-ins';
export type { EntraTokenStandIn, ManagedIdentityStandIn } from './azure/identity-stand-ins';
export { startIngestionStandIn, type Envelope, type IngestionStandIn } from './ingestion-stand-in';
export { startSpawnUpstreams, type IdentityKind, type SpawnUpstreams } from './spawn-upstreams';
export { NO_FAULT, sendJson, type Fault } from './faults';
// What they run on, and the processes under test:
export { createTestCa, ENTRA_HOSTNAME, trustTestCa, type TestCa } from './test-ca';
export { fetchJson, freePort, startHttpServer, type TestServer } from './http-servers';
export { appBundle, configErrorOutput, startApp, type AppName, type AppProcess } from './start-app';
export { workspaceRoot } from './start-app';
export { bundle, spawnProcess } from './processes';
export type { ExitStatus, RunningProcess, SpawnOptions } from './processes';
export { answers, FatalWaitError, sleep, tail, waitFor } from './wait';
// Checks on what the tests see:
export { expectNoSecrets } from './no-secrets';
export { parseSamples, seriesOf } from './prometheus-text';
export { initialMetricPoints } from './metric-points';
export { markdownTable, readmeConfigurationProblems, referenceRows } from './config-reference';
