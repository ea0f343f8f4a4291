export { ApimKeyReader } from './apim-key-reader';
export type { MissingPart } from './arm-errors';
export type { ApimKeyReaderOptions } from './options';
// The naming rules, for config validation: subscriptionIdProblem, resourceGroupProblem, ...
export * from './names';
