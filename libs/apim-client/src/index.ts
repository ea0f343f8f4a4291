export { ApimKeyReader } from './apim-key-reader';
export type { ApimKeyReaderOptions } from './options';
// The naming rules, for config validation: subscriptionIdProblem, resourceGroupProblem, ...
export * from './names';
