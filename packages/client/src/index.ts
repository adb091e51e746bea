// The Paydeck merchant SDK: a typed client for the merchant API (/api/v1), generated from
// Paydeck's OpenAPI document (`npm run api:types` writes ./generated/merchant-api.ts), on top of
// openapi-fetch. Every path, parameter, body and answer is typed; nothing is hand-written per
// operation, so the SDK cannot drift from the server.
//
//   const paydeck = createPaydeckClient({ baseUrl: 'https://pay.example.com', apiKey });
//   const { data, error } = await paydeck.POST('/api/v1/orders', {
//     body: { customer_email: 'ada@example.com', amount: 1999, currency: 'usd' },
//     headers: { 'idempotency-key': crypto.randomUUID() },
//   });
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './generated/merchant-api.ts';

export type { components, paths };
/** @public Per-operation types (by operationId), for code that wraps single calls. */
export type { operations };
/** The merchant API's named schemas: `Schema<'Order'>`, `Schema<'Refund'>`… */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
/** Paydeck's one error shape: `{ error: { code, message, request_id, field? } }`. */
export type PaydeckErrorBody = Schema<'Error'>;
export type PaydeckClient = Client<paths>;

export interface PaydeckClientOptions {
  /** Where Paydeck answers, e.g. https://pay.example.com (no trailing /api/v1). */
  baseUrl: string;
  /** A secret API key (`pd_sk_…`) with the scopes the calls need. Keep it on your server. */
  apiKey: string;
  /** Another fetch (tests, proxies, instrumentation); the global fetch by default. */
  fetch?: ClientOptions['fetch'];
  /** Headers sent with every request, e.g. a User-Agent naming your service. */
  headers?: Record<string, string>;
}

export function createPaydeckClient(options: PaydeckClientOptions): PaydeckClient {
  if (!/^pd_sk_/.test(options.apiKey)) {
    throw new TypeError('apiKey: expected a secret API key (pd_sk_…)');
  }
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { ...options.headers, authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * The error Paydeck answered, thrown by `unwrap` — its `code` is stable (e.g.
 * `order_already_paid`, `card_declined`), its `message` is for people.
 */
export class PaydeckError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly field: string | undefined;
  readonly body: PaydeckErrorBody;

  constructor(status: number, body: PaydeckErrorBody) {
    super(body.error.message);
    this.name = 'PaydeckError';
    this.status = status;
    this.code = body.error.code;
    this.requestId = body.error.request_id;
    this.field = body.error.field;
    this.body = body;
  }
}

/**
 * The answer's data, or a thrown PaydeckError — for code that prefers exceptions to checking
 * `error` after every call: `const order = unwrap(await paydeck.GET(…))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const body = result.error as PaydeckErrorBody | undefined;
    if (body && typeof body === 'object' && 'error' in body) {
      throw new PaydeckError(result.response.status, body);
    }
    throw new PaydeckError(result.response.status, {
      error: {
        code: 'unexpected_response',
        message: `Paydeck answered ${result.response.status} without a body in its error shape`,
        request_id: result.response.headers.get('x-request-id') ?? '',
      },
    });
  }
  return result.data;
}

export { PAYDECK_EVENT_TYPES, PaydeckWebhookError, verifyWebhook } from './webhooks.ts';
/** @public The types of a verified delivery, for the merchant's own handlers. */
export type { PaydeckEventType, PaydeckWebhookEvent } from './webhooks.ts';
