export { callerOf, createHubAuth, type Caller, type HubAuth, type HubAuthOptions } from './auth';
export { env, hubEnv, loadConfig, serviceEnv, type ServiceEnv } from './config';
export { deadlineOf } from './deadline';
export { ServiceError } from './errors';
export {
  startHubService,
  type HubServiceOptions,
  type HubServiceParts,
  type HubServiceShape,
} from './hub-service';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { trackRequests, type RequestOutcome } from './request-outcome';
export { failedToStart, runService } from './run';
export { createService, type Service, type ServiceOptions } from './service';
