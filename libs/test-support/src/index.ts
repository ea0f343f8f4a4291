export { createTestCa } from './test-ca';
export type { TestCa } from './test-ca';
export { startHttpServer, startHttpsServer } from './http-servers';
export type { RecordedRequest, TestHandler, TestServer } from './http-servers';
export { freePort } from './free-port';
export { startApp, startNodeScript } from './start-app';
export type { AppName, AppProcess, ExitStatus, StartAppOptions } from './start-app';
export { expectNoSecrets } from './no-secrets';
// Stand-ins of the Azure upstreams: Resource Manager (APIM listSecrets) and a managed-identity token endpoint.
export { applyFault, NO_FAULT, sendJson } from './azure/faults';
export type { Fault } from './azure/faults';
export { startArmStandIn } from './azure/arm-stand-in';
export type { ApimKeys, ArmStandIn, ArmStandInOptions } from './azure/arm-stand-in';
export { startManagedIdentityStandIn } from './azure/managed-identity-stand-in';
export type { ManagedIdentityStandIn } from './azure/managed-identity-stand-in';
export { trustTestCa } from './azure/trust-test-ca';
export { startPcIdStandIn } from './pc-id-stand-in';
export type { PcIdStandIn } from './pc-id-stand-in';
export {
  markdownTable,
  referenceProblems,
  readmeConfigurationProblems,
  referenceRows,
  schemaDefaults,
} from './config-reference';
export type { MarkdownTable, ReferenceRow } from './config-reference';
