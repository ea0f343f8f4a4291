// Stand-ins of the Azure upstreams for tests (never imported by production code).
export { applyFault, NO_FAULT, sendJson } from './faults';
export type { Fault } from './faults';
export { startArmStandIn } from './arm-stand-in';
export type { ApimKeys, ArmStandIn, ArmStandInOptions } from './arm-stand-in';
export { startManagedIdentityStandIn } from './managed-identity-stand-in';
export type { ManagedIdentityStandIn } from './managed-identity-stand-in';
export { trustTestCa } from './trust-test-ca';
