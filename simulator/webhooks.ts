// Webhook delivery: every event goes, asynchronously, to each enabled endpoint subscribed to its
// type, signed like Stripe, retried with exponential back-off. Duplication, reordering and delay
// can be injected to test receivers.
import { createHmac } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Store } from './store.ts';
import type { StripeEvent, WebhookEndpoint } from './types.ts';
import { newId, seededRandom } from './util.ts';

export interface WebhookConfig {
  /** First retry after this many ms, then doubling (Stripe: hours; tests: a few ms). */
  retryBaseMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** An endpoint that does not answer within this is a failed attempt. */
  timeoutMs: number;
  /** Fixed delay before the first attempt of every delivery. */
  delayMs: number;
  /** Fraction (0–1) of deliveries sent twice. */
  duplicateFraction: number;
  /** Each first attempt waits a random 0–N ms more, so events arrive out of order. */
  reorderWindowMs: number;
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = {
  retryBaseMs: 1000,
  maxAttempts: 6,
  timeoutMs: 10_000,
  delayMs: 0,
  duplicateFraction: 0,
  reorderWindowMs: 0,
};

export interface DeliveryRecord {
  id: string;
  event: string;
  type: string;
  endpoint: string;
  url: string;
  attempt: number;
  /** HTTP status the endpoint answered, or null (timeout, connection error). */
  status: number | null;
  error: string | null;
  ok: boolean;
  duration_ms: number;
  at: string;
}

const LOG_LIMIT = 10_000;

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

function endpointWants(endpoint: WebhookEndpoint, type: string): boolean {
  return (
    endpoint.status === 'enabled' &&
    (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type))
  );
}

export class WebhookSender {
  config: WebhookConfig;
  log: DeliveryRecord[] = [];
  /** Scheduled deliveries, with when they are due on this simulator's clock (`now()`). */
  private timers = new Map<NodeJS.Timeout, { dueAt: number; fn: () => void }>();
  /** How far this simulator's clock is ahead of the machine's (`POST /_sim/clock`). */
  private offsetMs = 0;
  private random: () => number;
  private inFlight = new Set<ClientRequest>();
  /** Bumped on reset, so answers to requests sent before it are ignored. */
  private generation = 0;

  constructor(
    private readonly store: Store,
    private readonly defaults: WebhookConfig,
    seed: number,
  ) {
    this.config = { ...defaults };
    this.random = seededRandom(seed);
  }

  endpointsFor(type: string): WebhookEndpoint[] {
    const endpoints: WebhookEndpoint[] = [];
    for (const e of this.store.collections.webhook_endpoints.values()) {
      if (endpointWants(e as WebhookEndpoint, type)) endpoints.push(e as WebhookEndpoint);
    }
    return endpoints;
  }

  /** Schedules delivery; never waits for it (the API response must not depend on receivers). */
  enqueue(event: StripeEvent, endpoints: WebhookEndpoint[]): void {
    for (const endpoint of endpoints) {
      const copies = this.random() < this.config.duplicateFraction ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const delay =
          this.config.delayMs +
          (this.config.reorderWindowMs > 0 ? this.random() * this.config.reorderWindowMs : 0);
        // The first copy settles pending_webhooks; a duplicate is extra noise.
        this.schedule(() => this.attempt(event.id, endpoint.id, 1, i === 0), delay);
      }
    }
  }

  /** Pending deliveries (scheduled or in flight): lets tests wait for quiet. */
  get pending(): number {
    return this.timers.size + this.inFlight.size;
  }

  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** The simulator's time in ms: the machine's, plus any time travel. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  /**
   * Moves this simulator's clock forward (like a Stripe test clock): deliveries scheduled for a
   * time now past are sent at once, later ones keep their remaining wait on the new clock, and
   * signatures carry the new time.
   */
  advanceClock(ms: number): void {
    this.offsetMs += ms;
    const scheduled = [...this.timers];
    this.timers.clear();
    for (const [timer, { dueAt, fn }] of scheduled) {
      clearTimeout(timer);
      this.scheduleAt(dueAt, fn);
    }
  }

  reset(): void {
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
    this.offsetMs = 0;
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
    this.generation++;
    this.log = [];
    this.config = { ...this.defaults };
  }

  private schedule(fn: () => void, delayMs: number): void {
    this.scheduleAt(this.now() + delayMs, fn);
  }

  private scheduleAt(dueAt: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, dueAt - this.now()),
    );
    this.timers.set(timer, { dueAt, fn });
  }

  private attempt(eventId: string, endpointId: string, attempt: number, primary: boolean): void {
    const event = this.store.get<StripeEvent>('events', eventId);
    const endpoint = this.store.get<WebhookEndpoint>('webhook_endpoints', endpointId);
    const secret = this.store.internal.webhookSecrets[endpointId];
    if (!event || !endpoint || !secret || endpoint.status !== 'enabled') return;
    // Signed anew on every attempt: the timestamp is part of the signature.
    const payload = JSON.stringify(event, null, 2);
    const signature = signPayload(payload, secret, Math.floor(this.now() / 1000));
    const started = Date.now();
    const generation = this.generation;
    const { request, result: sent } = post(endpoint.url, payload, signature, this.config.timeoutMs);
    if (request) this.inFlight.add(request);
    void sent.then((result) => {
      if (request) this.inFlight.delete(request);
      if (generation !== this.generation) return;
      const ok = result.status !== null && result.status >= 200 && result.status < 300;
      this.record({
        id: newId('wd'),
        event: event.id,
        type: event.type,
        endpoint: endpoint.id,
        url: endpoint.url,
        attempt,
        status: result.status,
        error: result.error,
        ok,
        duration_ms: Date.now() - started,
        at: new Date().toISOString(),
      });
      const last = attempt >= this.config.maxAttempts;
      if (ok || last) {
        if (primary && event.pending_webhooks > 0) {
          event.pending_webhooks--;
          this.store.changed();
        }
        return;
      }
      const backoff = this.config.retryBaseMs * 2 ** (attempt - 1);
      this.schedule(() => this.attempt(eventId, endpointId, attempt + 1, primary), backoff);
    });
  }

  private record(entry: DeliveryRecord): void {
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }
}

/** Sends one signed delivery; never rejects (failures are results). */
function post(
  url: string,
  payload: string,
  signature: string,
  timeoutMs: number,
): {
  request: ClientRequest | null;
  result: Promise<{ status: number | null; error: string | null }>;
} {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { request: null, result: Promise.resolve({ status: null, error: 'invalid url' }) };
  }
  let resolve!: (r: { status: number | null; error: string | null }) => void;
  const result = new Promise<{ status: number | null; error: string | null }>((r) => (resolve = r));
  let settled = false;
  const done = (status: number | null, error: string | null) => {
    if (settled) return;
    settled = true;
    resolve({ status, error });
  };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(
    target,
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(payload),
        'Stripe-Signature': signature,
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'Cache-Control': 'no-cache',
        Accept: '*/*; q=0.5, application/xml',
      },
      timeout: timeoutMs,
    },
    (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? null, null));
      res.on('error', (e) => done(res.statusCode ?? null, e.message));
    },
  );
  req.on('timeout', () => {
    done(null, 'timeout');
    req.destroy();
  });
  req.on('error', (e) => done(null, e.message));
  req.on('close', () => done(null, 'connection closed'));
  req.end(payload);
  return { request: req, result };
}
