export { createTestCa } from './test-ca';
export type { TestCa, TestCaOptions } from './test-ca';
export { startHttpServer, startHttpsServer } from './http-servers';
export type { RecordedRequest, TestHandler, TestServer } from './http-servers';
export { freePort } from './free-port';
export { configErrorOutput, ExitedBeforeHealthy, startApp, startNodeScript } from './start-app';
export type { AppName, AppProcess, ExitStatus, StartAppOptions } from './start-app';
export { expectNoSecrets } from './no-secrets';
export { initialMetricPoints } from './metric-points';
export type { MetricPoint } from './metric-points';
// Stand-ins of the Azure upstreams: Resource Manager (APIM listSecrets) and the token endpoints
// DefaultAzureCredential uses (App Service managed identity; Entra ID for workload identity).
export { applyFault, NO_FAULT, sendJson } from './azure/faults';
export type { Fault } from './azure/faults';
export { startArmStandIn } from './azure/arm-stand-in';
export type { ApimKeys, ArmStandIn, ArmStandInOptions } from './azure/arm-stand-in';
export { startManagedIdentityStandIn } from './azure/managed-identity-stand-in';
export type { ManagedIdentityStandIn } from './azure/managed-identity-stand-in';
export {
  ENTRA_AUTHORITY_HOST,
  ENTRA_HOSTNAME,
  startEntraTokenStandIn,
} from './azure/entra-token-stand-in';
export type { EntraTokenStandIn, EntraTokenStandInOptions } from './azure/entra-token-stand-in';
export { startConnectProxy } from './azure/connect-proxy';
export type { ConnectProxy } from './azure/connect-proxy';
export { trustTestCa } from './azure/trust-test-ca';
export { startPcIdStandIn } from './pc-id-stand-in';
export type { PcIdStandIn } from './pc-id-stand-in';
export { startPcIdOAuthStandIn } from './pc-id-oauth-stand-in';
export type {
  PcIdOAuthClient,
  PcIdOAuthStandIn,
  PcIdOAuthStandInOptions,
} from './pc-id-oauth-stand-in';
export {
  markdownTable,
  referenceProblems,
  readmeConfigurationProblems,
  referenceRows,
  schemaDefaults,
} from './config-reference';
export type { MarkdownTable, ReferenceRow } from './config-reference';
export { workspaceRoot } from './workspace-root';
