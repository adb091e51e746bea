// Structured JSON logs (pino) with redaction. Secrets, tokens, cookies and personal data never
// reach a log line: the paths below are censored wherever they appear, and request/response
// serializers log only what an operator needs (method, url without query, status, ids). Within a
// traced request or job every line carries its trace_id and span_id (ADR 021).
import pino, { type LoggerOptions } from 'pino';
import { traceFields, tracingStarted } from './tracing.ts';

/** What an incoming X-Request-Id must look like to be kept: no spaces, quotes or control characters. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id a caller (or the proxy in front) sent in X-Request-Id, when it is valid; otherwise
 * undefined, and the server makes its own. Ids correlate log lines: they are not secret, and a
 * caller may reuse one, so nothing treats them as unique.
 */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
}

/** Where a failed query's values appear in an error (Drizzle's "Failed query: …\nparams: …"). */
const QUERY_PARAMS = /\nparams: [^\n]*/g;

/**
 * Errors as pino serialises them, without the values of a failed query: drizzle puts them in
 * `params` and in the message, and they can be emails, names or key hashes. The SQL text stays.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const plain = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  return scrub(plain, 0);
}

function scrub(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const { params: _params, ...rest } = value;
  for (const key of ['message', 'stack'] as const) {
    if (typeof rest[key] === 'string')
      rest[key] = (rest[key] as string).replace(QUERY_PARAMS, '\nparams: [redacted]');
  }
  if (rest.cause && typeof rest.cause === 'object' && depth < 5)
    rest.cause = scrub(rest.cause as Record<string, unknown>, depth + 1);
  return rest;
}

export const redactedPaths = [
  'password',
  '*.password',
  'new_password',
  '*.new_password',
  'token',
  '*.token',
  'csrf_token',
  '*.csrf_token',
  'secret',
  '*.secret',
  'api_key',
  '*.api_key',
  'client_secret',
  '*.client_secret',
  'email',
  '*.email',
  'name',
  '*.name',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'set-cookie',
  '*["set-cookie"]',
  'sessionId',
  '*.sessionId',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'paydeck' },
    // Read when the logger is made, after src/observability/preload.ts ran: without tracing, no
    // mixin at all, so a log line costs what it did before.
    ...(tracingStarted() ? { mixin: traceFields } : {}),
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    serializers: {
      err: serializeError,
      req(req: { method: string; url: string; id: string; ip?: string }) {
        // The query string can carry search terms (emails); keep the path only.
        return { method: req.method, url: req.url.split('?')[0], id: req.id };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  };
}
