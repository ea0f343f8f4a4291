export { callerOf, createHubAuth, type Caller, type HubAuth, type HubAuthOptions } from './auth';
export {
  env,
  hubEnv,
  loadConfig,
  parseConfig,
  serviceEnv,
  type ConfigResult,
  type ServiceEnv,
} from './config';
export { deadlineOf } from './deadline';
export { ServiceError } from './errors';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { trackRequests, type RequestOutcome } from './request-outcome';
export { failedToStart, runService } from './run';
export { createService, type Service, type ServiceOptions } from './service';
