export { createTestCa, ENTRA_HOSTNAME, trustTestCa } from './test-ca';
export type { TestCa } from './test-ca';
export { startHttpServer, startHttpsServer } from './http-servers';
export type { RecordedRequest, TestHandler, TestServer } from './http-servers';
export { freePort } from './free-port';
export { configErrorOutput, ExitedBeforeHealthy, startApp, startNodeScript } from './start-app';
export type { AppName, AppProcess, StartAppOptions } from './start-app';
export { bundle, spawnProcess } from './processes';
export type { ExitStatus, RunningProcess, SpawnOptions } from './processes';
export { expectNoSecrets } from './no-secrets';
export { answers, FatalWaitError, sleep, tail, waitFor } from './wait';
export type { WaitOptions } from './wait';
// The shared fault model and the stand-ins of our upstreams, one each.
export { applyFault, NO_FAULT, sendJson } from './faults';
export type { Fault, FaultRule } from './faults';
export { CALLER_TOKENS, CALLERS, population, startHubStandIn } from './hub-stand-in';
export type { HubStandIn, ListedServer, ListedUser, TokenOwner } from './hub-stand-in';
export { startIngestionStandIn } from './ingestion-stand-in';
export { startSpawnUpstreams } from './spawn-upstreams';
export { parseSamples, seriesOf } from './prometheus-text';
export type { IdentityKind, SpawnUpstreams } from './spawn-upstreams';
export type { Envelope, IngestionStandIn } from './ingestion-stand-in';
// Stand-ins of the Azure upstreams: Resource Manager (APIM listSecrets) and the token endpoints
// DefaultAzureCredential uses (App Service managed identity; Entra ID for workload identity).
export { APIM, startArmStandIn } from './azure/arm-stand-in';
export type { ApimKeys, ArmStandIn } from './azure/arm-stand-in';
export {
  ENTRA_AUTHORITY_HOST,
  startEntraTokenStandIn,
  startManagedIdentityStandIn,
} from './azure/identity-stand-ins';
export type {
  EntraTokenStandIn,
  ManagedIdentityStandIn,
  TokenEndpoint,
} from './azure/identity-stand-ins';
export { pcIdNameOf, startPcIdStandIn } from './pc-id-stand-in';
export type { PcIdStandIn } from './pc-id-stand-in';
export {
  markdownTable,
  referenceProblems,
  readmeConfigurationProblems,
  referenceRows,
  schemaDefaults,
} from './config-reference';
export type { MarkdownTable, ReferenceRow } from './config-reference';
export { workspaceRoot } from './workspace-root';
