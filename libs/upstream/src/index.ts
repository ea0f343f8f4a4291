export { upstreamAgent, type UpstreamAgentOptions } from './agent';
export { failedCall, networkFailure } from './failure';
export { isPlainBase, parseHttpUrl } from './http-url';
export { UpstreamError, type UpstreamErrorCode } from './upstream-error';
