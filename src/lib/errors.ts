// One error type for every operational error (STYLE.md §5). It carries a stable `code` that
// clients can switch on, the HTTP status, a message a developer can act on, and optionally the
// request field at fault. Anything that is not an AppError is a bug: it answers 500 and its
// text never reaches the client — except a database that cannot be reached, which is an outage,
// not a bug: 503 `service_unavailable` with Retry-After (server/plugins/errors.ts).

export interface AppErrorOptions {
  field?: string;
  cause?: unknown;
  /** Extra machine-readable details returned to the client (never secrets). */
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.field = options.field;
    this.details = options.details;
    this.headers = options.headers;
  }

  get isServerError(): boolean {
    return this.status >= 500;
  }
}

// Small constructors for the common cases keep call sites short and codes consistent.
export const badRequest = (code: string, message: string, options?: AppErrorOptions) =>
  new AppError(400, code, message, options);
export const unauthorized = (message = 'Sign in to continue.', code = 'unauthenticated') =>
  new AppError(401, code, message);
export const forbidden = (message = 'You do not have access to this.', code = 'forbidden') =>
  new AppError(403, code, message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found.`);
export const conflict = (code: string, message: string, options?: AppErrorOptions) =>
  new AppError(409, code, message, options);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', 'Too many requests. Try again later.', {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    details: { retry_after: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });
/** How long a client is asked to wait after a 503: long enough for a database restart to show. */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
/**
 * 503: a dependency (the database) cannot serve the request right now. Nothing the client sent
 * was wrong and nothing was stored under its Idempotency-Key: the same request may be retried
 * after Retry-After.
 */
export const serviceUnavailable = (
  message = 'The service is temporarily unavailable. Retry shortly.',
  retryAfterSeconds = SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS,
) =>
  new AppError(503, 'service_unavailable', message, {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    details: { retry_after: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    request_id: string;
    field?: string;
    [key: string]: unknown;
  };
}
