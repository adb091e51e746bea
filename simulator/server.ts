// The HTTP front: Stripe's REST conventions (auth, form bodies, idempotency, errors, expand),
// fault injection around each API call, then the control API and the Stripe.js files.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import qs from 'qs';
import { customerRoutes } from './api/customers.ts';
import { chargeRoutes } from './api/charges.ts';
import { disputeRoutes } from './api/disputes.ts';
import { eventRoutes } from './api/events.ts';
import { paymentIntentRoutes } from './api/payment-intents.ts';
import { paymentMethodRoutes } from './api/payment-methods.ts';
import { refundRoutes } from './api/refunds.ts';
import { setupIntentRoutes } from './api/setup-intents.ts';
import { webhookEndpointRoutes } from './api/webhook-endpoints.ts';
import { handleControl } from './control.ts';
import { SimError, apiError, invalidRequest, type StripeErrorBody } from './errors.ts';
import type { FaultRule } from './faults.ts';
import { PREFLIGHT_HEADERS, readBody, sendJson } from './http-util.ts';
import type { SavedResponse } from './idempotency.ts';
import { expand } from './objects.ts';
import { expandPaths, type Params } from './params.ts';
import { Router } from './router.ts';
import type { Ctx, Sim } from './sim.ts';
import { handleStatic } from './static.ts';
import { API_VERSION } from './types.ts';
import { randomToken, sleep } from './util.ts';

export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

const router = new Router();
router.add([
  ...customerRoutes,
  ...paymentMethodRoutes,
  ...setupIntentRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...disputeRoutes,
  ...eventRoutes,
  ...webhookEndpointRoutes,
]);

const QS_OPTIONS = { depth: 10, arrayLimit: 1000, parameterLimit: 10_000 };

type Caller = { key: string; publishable: boolean };

function authenticate(header: string | undefined): Caller | SimError {
  let key: string | undefined;
  if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
  else if (header?.startsWith('Basic ')) {
    // curl -u sk_test_…: — the key is the user name.
    key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  }
  if (!key) {
    return new SimError(401, {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  }
  if (/^(sk|rk)_test_\w+$/.test(key)) return { key, publishable: false };
  if (/^pk_test_\w+$/.test(key)) return { key, publishable: true };
  const shown =
    key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key;
  return new SimError(401, {
    type: 'invalid_request_error',
    code: 'api_key_invalid',
    message: `Invalid API Key provided: ${shown}`,
  });
}

function errorJson(err: SimError, requestId: string): string {
  const body: StripeErrorBody = {
    ...err.body,
    request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}?t=${Math.floor(Date.now() / 1000)}`,
  };
  return JSON.stringify({ error: body });
}

/** Runs a route: the JSON answer, and whether it must be saved for idempotent replay. */
function execute(
  sim: Sim,
  ctx: Ctx,
  run: () => unknown,
  params: Params,
  logger: Logger,
): { saved: SavedResponse; store: boolean; headers: Record<string, string> } {
  try {
    const paths = expandPaths(params);
    const result = run();
    const body = JSON.stringify(paths.length ? expand(sim.store, result, paths) : result);
    return { saved: { status: 200, body }, store: true, headers: {} };
  } catch (e) {
    const err = e instanceof SimError ? e : apiError();
    if (!(e instanceof SimError)) logger.error(`simulator bug on ${ctx.requestId}`, e);
    return {
      saved: { status: err.status, body: errorJson(err, ctx.requestId!) },
      store: err.executed || !(e instanceof SimError),
      headers: err.headers,
    };
  }
}

/** Answers with an injected failure: an error, a destroyed socket, or silence. */
function injectFailure(
  res: ServerResponse,
  rule: FaultRule,
  requestId: string,
  headers: Record<string, string>,
): void {
  if (rule.kind === 'reset') {
    res.socket?.destroy();
    return;
  }
  if (rule.kind === 'hang') return; // never answer: the client's timeout is under test
  const retry = rule.should_retry ?? (rule.kind === 'error_429' ? true : null);
  const extra: Record<string, string> =
    retry === null ? {} : { 'Stripe-Should-Retry': String(retry) };
  const err =
    rule.kind === 'error_429'
      ? invalidRequest(
          'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
          { code: 'rate_limit', status: 429 },
        )
      : apiError();
  sendJson(res, err.status, errorJson(err, requestId), { ...headers, ...extra });
}

async function handleApi(
  sim: Sim,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  requestId: string,
  logger: Logger,
): Promise<void> {
  const method = req.method ?? 'GET';
  const body = method === 'POST' ? await readBody(req) : '';
  const idempotencyKey =
    method === 'POST' ? ((req.headers['idempotency-key'] as string | undefined) ?? null) : null;
  const headers: Record<string, string> = {
    'Request-Id': requestId,
    'Stripe-Version': (req.headers['stripe-version'] as string | undefined) ?? API_VERSION,
  };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const log = (status: number, outcome: 'sent' | 'replayed' | 'reset' | 'hang') =>
    sim.logRequest({
      id: requestId,
      method,
      path,
      idempotency_key: idempotencyKey,
      status,
      outcome,
      at: new Date().toISOString(),
    });
  const fail = (err: SimError) => {
    sendJson(res, err.status, errorJson(err, requestId), headers);
    log(err.status, 'sent');
  };

  const caller = authenticate(req.headers.authorization);
  if (caller instanceof SimError) return fail(caller);
  const match = router.match(method, path);
  if (!match) {
    return fail(
      invalidRequest(
        `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        { status: 404 },
      ),
    );
  }
  if (caller.publishable && !match.route.publishable) {
    return fail(
      new SimError(401, {
        type: 'invalid_request_error',
        message:
          'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      }),
    );
  }
  let params: Params;
  try {
    params = qs.parse(method === 'POST' ? body : query, QS_OPTIONS) as Params;
  } catch {
    return fail(invalidRequest('Invalid request body.'));
  }

  let release: ((saved: SavedResponse | null) => void) | null = null;
  let replay: SavedResponse | null = null;
  if (idempotencyKey) {
    try {
      const claim = sim.idempotency.claim(caller.key, idempotencyKey, `${method} ${path}\n${body}`);
      if (claim.kind === 'replay') replay = claim.response;
      else release = claim.release;
    } catch (e) {
      return fail(e as SimError);
    }
  }

  // Latency comes after claiming the key, so a concurrent retry meets "in use" (409).
  const latency = sim.faults.latencyFor(method, path);
  if (latency > 0) await sleep(latency);
  const before = sim.faults.failureFor(method, path, 'before');
  if (before) {
    release?.(null);
    injectFailure(res, before, requestId, headers);
    return log(faultStatus(before, 0), faultOutcome(before));
  }

  let result: { saved: SavedResponse; headers: Record<string, string> };
  if (replay) {
    result = { saved: replay, headers: { 'Idempotent-Replayed': 'true' } };
  } else {
    const ctx: Ctx = { sim, requestId, idempotencyKey, publishable: caller.publishable };
    const executed = execute(
      sim,
      ctx,
      () => match.route.handler(ctx, params, match.params),
      params,
      logger,
    );
    release?.(executed.store ? executed.saved : null);
    result = executed;
  }

  // "After" faults: the operation took effect (and was saved for replay); the answer is lost.
  const after = sim.faults.failureFor(method, path, 'after');
  if (after) {
    injectFailure(res, after, requestId, headers);
    return log(faultStatus(after, result.saved.status), faultOutcome(after));
  }
  sendJson(res, result.saved.status, result.saved.body, { ...headers, ...result.headers });
  log(result.saved.status, replay ? 'replayed' : 'sent');
}

/** The status the client saw (0 when it saw none). */
function faultStatus(rule: FaultRule, fallback: number): number {
  if (rule.kind === 'error_500') return 500;
  if (rule.kind === 'error_429') return 429;
  return rule.kind === 'reset' || rule.kind === 'hang' ? 0 : fallback;
}

function faultOutcome(rule: FaultRule): 'sent' | 'reset' | 'hang' {
  return rule.kind === 'reset' || rule.kind === 'hang' ? rule.kind : 'sent';
}

export function createSimulatorServer(sim: Sim, logger: Logger): Server {
  return createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const requestId = `req_${randomToken(14)}`;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...PREFLIGHT_HEADERS, 'Request-Id': requestId });
      res.end();
      return;
    }
    const handler = path.startsWith('/v1/')
      ? handleApi(sim, req, res, path, query, requestId, logger)
      : path.startsWith('/_sim/')
        ? handleControl(sim, req, res, path, query)
        : handleStatic(req, res, path);
    handler.catch((e: unknown) => {
      logger.error(`request ${req.method} ${path} failed`, e);
      if (!res.headersSent) sendJson(res, 500, errorJson(apiError(), requestId));
      else res.destroy();
    });
  });
}
