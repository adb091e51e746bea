// The one error handler: every failure leaves as {"error": {code, message, request_id, field?}}.
// Server errors are logged with their stack and answered with a generic message.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorBody } from '../../lib/errors.ts';

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns the first schema violation into a stable code, a field path and a readable message. */
function fromValidation(err: FastifyError): AppError {
  const first = (err.validation?.[0] ?? {}) as AjvLikeError;
  const context = (err as FastifyError & { validationContext?: string }).validationContext ?? 'body';
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
  } else {
    message = `${field || context} ${first.message ?? 'is invalid'}.`;
  }
  return new AppError(400, code, message, { field: field || undefined, details: { location: context } });
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
      return new AppError(415, 'unsupported_media_type', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'invalid_request', 'The Content-Length header does not match the body.');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new AppError(400, 'invalid_request', 'The request URL is malformed.');
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

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    app.setErrorHandler((err, request, reply) => {
      const appError = toAppError(err);
      if (appError && !appError.isServerError) {
        request.log.info({ code: appError.code, status: appError.status }, 'request refused');
        return sendError(reply, request, appError);
      }
      request.log.error({ err }, 'request failed');
      const status = appError?.status ?? 500;
      return sendError(
        reply,
        request,
        new AppError(
          status,
          appError?.code ?? 'internal_error',
          status === 503
            ? (appError?.message ?? 'Service unavailable.')
            : 'Something went wrong on our side. It has been logged; try again shortly.',
        ),
      );
    });

  },
  { name: 'errors' },
);
