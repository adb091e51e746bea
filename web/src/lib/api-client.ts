/**
 * The one way the web app talks to the Paydeck server.
 *
 * - JSON in, JSON out, cookies on the same origin only.
 * - Every failure (HTTP error, bad response, network down) becomes an {@link ApiError},
 *   so components handle exactly one error type.
 * - The CSRF token lives here and nowhere else; it is attached to every non-GET request.
 */

const SESSION_PATH = '/api/auth/session';

/** The error body every Paydeck endpoint returns on failure. */
interface ErrorBody {
  error: { code: string; message: string; request_id?: string; field?: string };
}

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  field?: string | undefined;
  requestId?: string | undefined;
  retryAfterSeconds?: number | undefined;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `email_taken`. */
  readonly code: string;
  /** The request field the error is about, when the server names one. */
  readonly field: string | undefined;
  /** Quote this to support; it finds the server log line. */
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.field = init.field;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** Wraps anything thrown (a bug, a lazy chunk that failed to load…) so the UI can show it. */
  static from(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (isChunkLoadError(error)) {
      return new ApiError({
        status: 0,
        code: 'app_updated',
        message: 'Paydeck was updated while this page was open. Reload the page to continue.',
      });
    }
    return new ApiError({
      status: 0,
      code: 'unexpected_error',
      message: 'Something went wrong on this page. Reload it and try again.',
    });
  }
}

function isChunkLoadError(error: unknown): boolean {
  return (
    error instanceof Error &&
    /dynamically imported module|Importing a module script failed|error loading dynamically/i.test(
      error.message,
    )
  );
}

let csrfToken: string | null = null;
let csrfRefresh: Promise<void> | null = null;

/** Called with the token from the session, sign-in and sign-up responses (null when signed out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** A fresh key for one logical operation; reuse it when retrying that operation. */
export function newIdempotencyKey(): string {
  // randomUUID only exists in secure contexts; a plain-http LAN address still needs a key.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RequestOptions {
  body?: unknown;
  /**
   * Sends an `Idempotency-Key` header. Pass a key from {@link newIdempotencyKey} to keep it
   * stable across user retries, or `true` for a key generated for this call.
   */
  idempotencyKey?: string | true;
  signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  // Generated once so the CSRF retry below replays the same operation, not a new one.
  const idempotencyKey =
    options.idempotencyKey === true ? newIdempotencyKey() : options.idempotencyKey;
  const send = () => sendOnce(method, path, options, idempotencyKey);

  let response = await send();
  if (method !== 'GET' && response.status === 403) {
    const error = await toApiError(response);
    if (error.code !== 'csrf_token_invalid') throw error;
    // The token rotates with the session (e.g. signed in in another tab): fetch it once, retry once.
    await refreshCsrfToken();
    response = await send();
  }
  if (!response.ok) throw await toApiError(response);
  return parseSuccess<T>(response);
}

async function sendOnce(
  method: Method,
  path: string,
  options: RequestOptions,
  idempotencyKey: string | undefined,
): Promise<Response> {
  const headers = new Headers({ Accept: 'application/json' });
  if (options.body !== undefined) headers.set('Content-Type', 'application/json');
  if (method !== 'GET' && csrfToken) headers.set('X-CSRF-Token', csrfToken);
  if (idempotencyKey) headers.set('Idempotency-Key', idempotencyKey);
  try {
    return await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({
      status: 0,
      code: 'network_error',
      message: 'Could not reach Paydeck. Check your connection and try again.',
    });
  }
}

function refreshCsrfToken(): Promise<void> {
  // Concurrent failures share one refresh.
  csrfRefresh ??= sendOnce('GET', SESSION_PATH, {}, undefined)
    .then(async (response) => {
      if (!response.ok) throw await toApiError(response);
      const session = await parseSuccess<{ csrf_token: string | null }>(response);
      setCsrfToken(session.csrf_token);
    })
    .finally(() => {
      csrfRefresh = null;
    });
  return csrfRefresh;
}

async function parseSuccess<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError({
      status: response.status,
      code: 'invalid_response',
      message: 'Paydeck sent a response this page could not read. Try again.',
      requestId: response.headers.get('x-request-id') ?? undefined,
    });
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const headerRequestId = response.headers.get('x-request-id') ?? undefined;
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // A proxy or load balancer page, not ours; fall through to a generic message.
  }
  if (isErrorBody(body)) {
    return new ApiError({
      status: response.status,
      code: body.error.code,
      message: body.error.message,
      field: body.error.field,
      requestId: body.error.request_id ?? headerRequestId,
      retryAfterSeconds,
    });
  }
  return new ApiError({
    status: response.status,
    code: `http_${response.status}`,
    message:
      response.status >= 500
        ? 'Paydeck is having trouble right now. Try again in a moment.'
        : `The request failed (HTTP ${response.status}).`,
    requestId: headerRequestId,
    retryAfterSeconds,
  });
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error: unknown = body.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  );
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'body' | 'idempotencyKey'>) =>
    request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) =>
    request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) =>
    request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) =>
    request<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};
