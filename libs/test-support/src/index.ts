export { createTestCa } from './test-ca';
export type { TestCa } from './test-ca';
export { startHttpServer, startHttpsServer } from './http-servers';
export type { RecordedRequest, TestHandler, TestServer } from './http-servers';
export { freePort } from './free-port';
export { startApp, startNodeScript } from './start-app';
export type { AppName, AppProcess, ExitStatus, StartAppOptions } from './start-app';
export { expectNoSecrets } from './no-secrets';
