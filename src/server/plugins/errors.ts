// The one error handler: every failure leaves as {"error": {code, message, request_id, field?}}.
// Server errors are logged with their stack and answered with a generic message.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import { randomToken } from '../../lib/crypto.ts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  serviceUnavailable,
  SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS,
  type ErrorBody,
} from '../../lib/errors.ts';
import { isDatabaseUnavailable } from '../../db/client.ts';

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The values allowed where a value must be one of a list: a union of literals reports one `const`
 * error per literal, then `anyOf`; an enum reports its list. Undefined when anything else is
 * allowed there as well (a union with another type), so the message never claims a short list.
 */
function allowedValues(errors: AjvLikeError[], path: string | undefined): unknown[] | undefined {
  const here = errors.filter((e) => e.instancePath === path);
  const values: unknown[] = [];
  for (const e of here) {
    if (e.keyword === 'const') values.push(e.params?.allowedValue);
    else if (e.keyword === 'enum') values.push(...((e.params?.allowedValues as unknown[]) ?? []));
    else if (e.keyword !== 'anyOf') return undefined;
  }
  return values.length > 0 ? values : undefined;
}

/** Turns the first schema violation into a stable code, a field path and a readable message. */
function fromValidation(err: FastifyError): AppError {
  const first = (err.validation?.[0] ?? {}) as AjvLikeError;
  const context =
    (err as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  const base = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const params = first.params ?? {};
  let field = base;
  let code = 'validation_failed';
  let message: string;
  if (first.keyword === 'required') {
    field = [base, String(params.missingProperty)].filter(Boolean).join('.');
    message = `${field} is required.`;
  } else if (first.keyword === 'additionalProperties') {
    field = [base, String(params.additionalProperty)].filter(Boolean).join('.');
    code = 'unknown_field';
    message = `${field} is not a recognised field.`;
  } else if (first.keyword === 'const' || first.keyword === 'enum') {
    const allowed = allowedValues((err.validation ?? []) as AjvLikeError[], first.instancePath);
    message = allowed
      ? `${field || context} must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}.`
      : `${field || context} ${first.message ?? 'is invalid'}.`;
  } else {
    message = `${field || context} ${first.message ?? 'is invalid'}.`;
  }
  return new AppError(400, code, message, {
    field: field || undefined,
    details: { location: context },
  });
}

/** Maps Fastify's own client errors (bad JSON, wrong media type, body too large…) to AppErrors. */
function fromFastify(err: FastifyError): AppError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'invalid_json', 'The request body is empty but JSON was declared.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        415,
        'unsupported_media_type',
        'Send the request body as application/json.',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(
        400,
        'invalid_request',
        'The Content-Length header does not match the body.',
      );
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new AppError(400, 'invalid_request', 'The request URL is malformed.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError(
        400,
        'invalid_request',
        'A path parameter of the request URL is too long.',
      );
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError(err.statusCode, 'invalid_request', err.message);
  }
  return undefined;
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe && fe.validation) return fromValidation(fe);
  if (fe && typeof fe === 'object') return fromFastify(fe);
  return undefined;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, appError: AppError) {
  const body: ErrorBody = {
    error: {
      ...(appError.details ?? {}),
      code: appError.code,
      message: appError.message,
      request_id: request.id,
      ...(appError.field ? { field: appError.field } : {}),
    },
  };
  if (appError.headers) reply.headers(appError.headers);
  return reply.status(appError.status).type('application/json; charset=utf-8').send(body);
}

/** A 503 as the client sees it: its own code, message and details, and always a Retry-After. */
function withRetryAfter(unavailable: AppError): AppError {
  if (unavailable.headers?.['retry-after']) return unavailable;
  return new AppError(503, unavailable.code, unavailable.message, {
    details: { retry_after: SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS, ...unavailable.details },
    headers: {
      ...unavailable.headers,
      'retry-after': String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS),
    },
  });
}

/** What a request the router refused carries into its second pass (see routeFrameworkError). */
const ROUTER_ERROR = Symbol('paydeck.routerError');
type RawRequest = IncomingMessage & { [ROUTER_ERROR]?: { error: AppError; url: string } };
/** A path no route has: the request goes to the not-found context, whose hooks every response runs. */
const UNROUTABLE_URL = '/_paydeck/router-error';

/**
 * Fastify's `frameworkErrors` option. The router refuses some URLs before any route matches (a
 * broken percent-encoding, a path parameter over `maxParamLength`), and Fastify answers those
 * itself — its own body, none of our hooks, so no security headers, cache rule or request id. Here
 * the request is routed a second time, to a path no route has, carrying the error: it passes
 * through every hook like any other request, and our handler answers with the router's error.
 */
export function routeFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const raw = request.raw as RawRequest;
  const appError =
    fromFastify(error) ?? new AppError(400, 'invalid_request', 'The request URL is malformed.');
  // The second pass cannot fail the same way; should it fail at all, answer without the hooks.
  if (raw[ROUTER_ERROR]) {
    sendError(reply, request, appError);
    return;
  }
  raw[ROUTER_ERROR] = { error: appError, url: raw.url ?? '/' };
  raw.url = UNROUTABLE_URL;
  request.server.routing(raw, reply.raw);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over 16 KB, a
 * malformed request line, a client timeout) are answered in our error shape with our baseline
 * headers, not Fastify's own `{"error":"Bad Request",…}`. There is no request object yet, so the
 * request id is made here.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request_too_large', 'The request line and headers are too large (16 KB at most).']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request took too long to arrive.']
        : [400, 'invalid_request', 'The request is not valid HTTP.'];
  const requestId = `req_${randomToken(12)}`;
  const body = JSON.stringify({ error: { code, message, request_id: requestId } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        'Cache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    // The second pass of a request the router refused: the first hook puts its URL back (for the
    // logs and every later hook), and the request ends, with its error, before its body is read.
    app.addHook('onRequest', async (request) => {
      const held = (request.raw as RawRequest)[ROUTER_ERROR];
      if (held) request.raw.url = held.url;
    });
    app.addHook('preParsing', async (request) => {
      const held = (request.raw as RawRequest)[ROUTER_ERROR];
      if (held) throw held.error;
    });

    app.setErrorHandler((err, request, reply) => {
      const appError = toAppError(err);
      if (appError && !appError.isServerError) {
        request.log.info({ code: appError.code, status: appError.status }, 'request refused');
        return sendError(reply, request, appError);
      }
      // A dependency that cannot serve us now (the database restarting, Stripe not answering) is
      // 503 with Retry-After, not a bug: the client did nothing wrong and may send the same
      // request, with the same Idempotency-Key, again.
      const unavailable =
        appError?.status === 503
          ? appError
          : (!appError || appError.isServerError) && isDatabaseUnavailable(err)
            ? serviceUnavailable()
            : undefined;
      if (unavailable) {
        request.log.warn({ err, code: unavailable.code }, 'dependency unavailable');
        return sendError(reply, request, withRetryAfter(unavailable));
      }
      request.log.error({ err }, 'request failed');
      return sendError(
        reply,
        request,
        new AppError(
          appError?.status ?? 500,
          appError?.code ?? 'internal_error',
          'Something went wrong on our side. It has been logged; try again shortly.',
        ),
      );
    });
  },
  { name: 'errors' },
);
