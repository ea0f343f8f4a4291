import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from './logger';
import { noteErrorCode } from './request-outcome';

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** An error a handler throws to answer `status` with `{"error":{"code","message"}}`. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new TypeError('status must be an HTTP error status (400-599)');
    }
    if (!SNAKE_CASE.test(code)) throw new TypeError('code must be snake_case');
    this.status = status;
    this.code = code;
  }
}

/** The last route: whatever nothing else answered. */
export function notFound(): RequestHandler {
  return (_req, _res, next) => next(new ServiceError(404, 'not_found', 'no such route'));
}

/** Renders every error as JSON; unexpected ones are logged and answered with a generic 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // the response is half sent: only express can still tear the connection down
    if (res.headersSent) return next(error);
    const known = describeError(error);
    if (!known) {
      logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    }
    const { status, code, message } = known ?? {
      status: 500,
      code: 'internal_error',
      message: 'internal error',
    };
    noteErrorCode(res, code);
    res.status(status).json({ error: { code, message } });
  };
}

interface Described {
  status: number;
  code: string;
  message: string;
}

// body-parser marks its errors with `type`; these are the client's fault, so 4xx.
const BODY_ERRORS: Record<string, (error: { limit?: number }) => Described> = {
  'entity.too.large': ({ limit }) => ({
    status: 413,
    code: 'payload_too_large',
    message: `request body is larger than ${limit ?? 'the limit of'} bytes`,
  }),
  'entity.parse.failed': () => ({
    status: 400,
    code: 'invalid_request',
    message: 'request body is not valid JSON',
  }),
  'encoding.unsupported': () => ({
    status: 415,
    code: 'unsupported_media_type',
    message: 'request body has an unsupported content encoding',
  }),
  'charset.unsupported': () => ({
    status: 415,
    code: 'unsupported_media_type',
    message: 'request body has an unsupported charset',
  }),
};

// Known errors carry their own answer; anything else is a bug and gets none of its details out.
function describeError(error: unknown): Described | undefined {
  if (error instanceof ServiceError) {
    return { status: error.status, code: error.code, message: error.message };
  }
  // express rejects a path parameter that is not valid percent-encoding with a bare URIError
  if (error instanceof URIError) {
    return {
      status: 400,
      code: 'invalid_request',
      message: 'a path parameter is not valid percent-encoding',
    };
  }
  const candidate = error as { type?: unknown; status?: unknown; expose?: unknown };
  const body = typeof candidate?.type === 'string' ? BODY_ERRORS[candidate.type] : undefined;
  if (body) return body(error as { limit?: number });
  // other http-errors the framework raises on bad requests (e.g. request.aborted)
  if (
    candidate?.expose === true &&
    typeof candidate.status === 'number' &&
    candidate.status < 500
  ) {
    return { status: candidate.status, code: 'invalid_request', message: (error as Error).message };
  }
  return undefined;
}
