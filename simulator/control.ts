// The control API under /_sim/: never part of Stripe's API, used by tests and the Stripe.js
// stand-in to reset state, inject faults, settle 3DS challenges and read logs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import qs from 'qs';
import { completeAuthentication, failAuthentication } from './api/payment-intents.ts';
import { completeSetupAuthentication, failSetupAuthentication } from './api/setup-intents.ts';
import { SimError, invalidRequest, noSuch } from './errors.ts';
import { readBody, sendJson } from './http-util.ts';
import type { Sim } from './sim.ts';
import { serveStripeJsFile } from './static.ts';
import type { PaymentIntent, SetupIntent } from './types.ts';
import type { WebhookConfig } from './webhooks.ts';

type Json = Record<string, unknown>;
type ControlHandler = (sim: Sim, body: Json, query: Json, params: string[]) => unknown;

interface ControlRoute {
  method: string;
  pattern: RegExp;
  handler: ControlHandler;
}

function config(sim: Sim): Json {
  return {
    latency_ms: sim.faults.latencyMs,
    processing_ms: sim.processingMs,
    seed: sim.faults.getSeed(),
    webhooks: sim.webhooks.config,
  };
}

const WEBHOOK_KEYS: Record<string, keyof WebhookConfig> = {
  retry_base_ms: 'retryBaseMs',
  max_attempts: 'maxAttempts',
  timeout_ms: 'timeoutMs',
  delay_ms: 'delayMs',
  duplicate_fraction: 'duplicateFraction',
  reorder_window_ms: 'reorderWindowMs',
};

function setConfig(sim: Sim, body: Json): Json {
  if (body.latency_ms !== undefined)
    sim.faults.latencyMs = nonNegative(body.latency_ms, 'latency_ms');
  if (body.processing_ms !== undefined) {
    sim.processingMs = nonNegative(body.processing_ms, 'processing_ms');
  }
  if (body.seed !== undefined) {
    const seed = nonNegative(body.seed, 'seed');
    sim.faults.setSeed(seed);
    sim.webhooks.reseed(seed);
  }
  const webhooks = (body.webhooks ?? {}) as Json;
  for (const [key, value] of Object.entries(webhooks)) {
    const field = WEBHOOK_KEYS[key];
    if (!field)
      throw invalidRequest(`Unknown webhook setting: ${key}`, { param: `webhooks.${key}` });
    sim.webhooks.config[field] = nonNegative(value, `webhooks.${key}`);
  }
  return config(sim);
}

function nonNegative(value: unknown, param: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw invalidRequest(`${param} must be a non-negative number`, { param });
  return n;
}

/** Settles the 3DS challenge of a PaymentIntent or SetupIntent, as the customer would. */
function settle3ds(sim: Sim, id: string, outcome: 'complete' | 'fail'): unknown {
  const ctx = sim.systemCtx();
  if (id.startsWith('seti_')) {
    const si = sim.store.get<SetupIntent>('setup_intents', id);
    if (!si) throw noSuch('setup_intent', id);
    return outcome === 'complete'
      ? completeSetupAuthentication(ctx, si)
      : failSetupAuthentication(ctx, si);
  }
  const pi = sim.store.get<PaymentIntent>('payment_intents', id);
  if (!pi) throw noSuch('payment_intent', id);
  return outcome === 'complete' ? completeAuthentication(ctx, pi) : failAuthentication(ctx, pi);
}

function filterLog<T extends object>(entries: T[], query: Json): T[] {
  const filters = Object.entries(query).filter(([k]) => k !== 'limit');
  return entries.filter((e) =>
    filters.every(([k, v]) => String((e as Record<string, unknown>)[k]) === String(v)),
  );
}

/** The simulator's clock (time travel, like Stripe's test clocks). */
function clock(sim: Sim): Json {
  const now = sim.webhooks.now();
  return {
    now: Math.floor(now / 1000),
    now_iso: new Date(now).toISOString(),
    offset_seconds: Math.round(sim.webhooks.clockOffsetMs / 1000),
  };
}

/** Only forward: events already sent keep their times, as Stripe's test clocks do. */
const MAX_ADVANCE_SECONDS = 366 * 86_400;

const routes: ControlRoute[] = [
  { method: 'GET', pattern: /^\/_sim\/health$/, handler: () => ({ ok: true }) },
  { method: 'GET', pattern: /^\/_sim\/clock$/, handler: (sim) => clock(sim) },
  {
    method: 'POST',
    pattern: /^\/_sim\/clock\/advance$/,
    handler: (sim, body) => {
      const seconds = nonNegative(body.seconds, 'seconds');
      if (seconds > MAX_ADVANCE_SECONDS)
        throw invalidRequest(`seconds must be at most ${MAX_ADVANCE_SECONDS}`, {
          param: 'seconds',
        });
      sim.webhooks.advanceClock(seconds * 1000);
      return clock(sim);
    },
  },
  {
    method: 'POST',
    pattern: /^\/_sim\/reset$/,
    handler: (sim) => {
      sim.reset();
      return { ok: true };
    },
  },
  { method: 'GET', pattern: /^\/_sim\/config$/, handler: (sim) => config(sim) },
  { method: 'POST', pattern: /^\/_sim\/config$/, handler: (sim, body) => setConfig(sim, body) },
  { method: 'GET', pattern: /^\/_sim\/faults$/, handler: (sim) => ({ data: sim.faults.rules }) },
  { method: 'POST', pattern: /^\/_sim\/faults$/, handler: (sim, body) => sim.faults.add(body) },
  {
    method: 'DELETE',
    pattern: /^\/_sim\/faults$/,
    handler: (sim) => {
      sim.faults.rules = [];
      return { ok: true };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/_sim\/faults\/([\w-]+)$/,
    handler: (sim, _b, _q, [id]) => {
      if (!sim.faults.remove(id!)) throw noSuch('fault', id!);
      return { id, deleted: true };
    },
  },
  {
    method: 'GET',
    pattern: /^\/_sim\/requests$/,
    handler: (sim, _b, query) => ({ data: filterLog(sim.requestLog, query) }),
  },
  {
    method: 'DELETE',
    pattern: /^\/_sim\/requests$/,
    handler: (sim) => {
      sim.requestLog = [];
      return { ok: true };
    },
  },
  {
    method: 'GET',
    pattern: /^\/_sim\/webhooks\/deliveries$/,
    handler: (sim, _b, query) => ({
      data: filterLog(sim.webhooks.log, query),
      pending: sim.webhooks.pending,
    }),
  },
  {
    method: 'DELETE',
    pattern: /^\/_sim\/webhooks\/deliveries$/,
    handler: (sim) => {
      sim.webhooks.log = [];
      return { ok: true };
    },
  },
  {
    method: 'GET',
    pattern: /^\/_sim\/webhook_endpoints\/(we_\w+)\/secret$/,
    handler: (sim, _b, _q, [id]) => {
      const secret = sim.store.internal.webhookSecrets[id!];
      if (!secret) throw noSuch('webhook endpoint', id!);
      return { id, secret };
    },
  },
  {
    method: 'POST',
    pattern: /^\/_sim\/3ds\/((?:pi|seti)_\w+)\/(complete|fail)$/,
    handler: (sim, _b, _q, [id, outcome]) => settle3ds(sim, id!, outcome as 'complete' | 'fail'),
  },
];

export async function handleControl(
  sim: Sim,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const challenge = /^\/_sim\/3ds\/((?:pi|seti)_\w+)$/.exec(path);
  if (challenge && method === 'GET') return serveStripeJsFile(res, 'challenge.html');
  const text = method === 'POST' ? await readBody(req) : '';
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m || route.method !== method) continue;
    try {
      const body = parseBody(text, req.headers['content-type']);
      const result = route.handler(sim, body, qs.parse(query) as Json, m.slice(1));
      return sendJson(res, 200, JSON.stringify(result));
    } catch (e) {
      const err =
        e instanceof SimError ? e : invalidRequest(e instanceof Error ? e.message : String(e));
      return sendJson(res, err.status, JSON.stringify({ error: err.body }));
    }
  }
  sendJson(
    res,
    404,
    JSON.stringify({
      error: { type: 'invalid_request_error', message: `No control endpoint ${method} ${path}` },
    }),
  );
}

/** JSON, or a form body (the 3DS page's buttons may post a plain form). */
function parseBody(text: string, contentType: string | undefined): Json {
  if (!text) return {};
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidRequest('The body must be a JSON object.');
    }
    return parsed as Json;
  }
  return qs.parse(text) as Json;
}
