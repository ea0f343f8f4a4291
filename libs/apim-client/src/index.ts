export { ApimKeyReader } from './apim-key-reader';
export type { ApimKeyReaderOptions } from './options';
export {
  apimSubscriptionIdProblem,
  armEndpointProblem,
  resourceGroupProblem,
  serviceNameProblem,
  subscriptionIdProblem,
} from './names';
