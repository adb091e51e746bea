// One error type for everything the API answers with a Stripe error object. Handlers throw it;
// the server turns it into `{ error: {...} }` with its HTTP status.

export type StripeErrorType =
  'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  request_log_url?: string;
  charge?: string;
  payment_intent?: unknown;
  setup_intent?: unknown;
  payment_method?: unknown;
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    /**
     * Whether the request had started executing when it failed. Stripe saves an idempotent
     * result only then: a validation failure is not stored, a decline is.
     */
    readonly executed = false,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

function withDocUrl(body: StripeErrorBody): StripeErrorBody {
  return body.code && !body.doc_url
    ? { ...body, doc_url: `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}` }
    : body;
}

export function invalidRequest(
  message: string,
  opts: { param?: string; code?: string; status?: number; executed?: boolean } = {},
): SimError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (opts.code) body.code = opts.code;
  if (opts.param) body.param = opts.param;
  return new SimError(opts.status ?? 400, withDocUrl(body), opts.executed ?? false);
}

export function missingParam(param: string): SimError {
  return invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });
}

export function noSuch(kind: string, id: string, param = 'id'): SimError {
  return invalidRequest(`No such ${kind}: '${id}'`, {
    param,
    code: 'resource_missing',
    status: 404,
  });
}

export function unexpectedState(
  kind: 'payment_intent' | 'setup_intent',
  message: string,
  intent?: unknown,
): SimError {
  const err = invalidRequest(message, { code: `${kind}_unexpected_state` });
  if (intent) err.body[kind] = intent;
  return err;
}

/**
 * The same error, carrying the intent it concerns: Stripe attaches the PaymentIntent or
 * SetupIntent to errors about one. `executed` marks errors raised after the intent was created.
 */
export function aboutIntent(
  err: SimError,
  kind: 'payment_intent' | 'setup_intent',
  intent: unknown,
  executed = err.executed,
): SimError {
  if (err.body[kind] !== undefined && executed === err.executed) return err;
  return new SimError(
    err.status,
    { ...err.body, [kind]: err.body[kind] ?? intent },
    executed,
    err.headers,
  );
}

/** A card error (HTTP 402). Declines happen while executing, so they are stored for replay. */
export function cardError(fields: Omit<StripeErrorBody, 'type'>): SimError {
  return new SimError(402, withDocUrl({ type: 'card_error', ...fields }), true);
}

export function apiError(message = 'An unknown error occurred', status = 500): SimError {
  return new SimError(status, { type: 'api_error', message });
}
