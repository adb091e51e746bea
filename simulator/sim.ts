// The simulator's state and services, shared by every route; and the request context handlers
// receive.
import { Faults } from './faults.ts';
import { IdempotencyCache } from './idempotency.ts';
import { Store } from './store.ts';
import { DEFAULT_WEBHOOK_CONFIG, WebhookSender, type WebhookConfig } from './webhooks.ts';

export interface RequestLogEntry {
  id: string;
  method: string;
  path: string;
  idempotency_key: string | null;
  status: number;
  /** What happened to the response: sent, replayed, or lost to an injected fault. */
  outcome: 'sent' | 'replayed' | 'reset' | 'hang';
  at: string;
}

/** Per request: who is calling and which request caused the events it emits. */
export interface Ctx {
  sim: Sim;
  requestId: string | null;
  idempotencyKey: string | null;
  /** The caller used a publishable key (Stripe.js); some rules differ, as on Stripe. */
  publishable: boolean;
}

export interface SimOptions {
  dataDir?: string;
  seed?: number;
  webhooks?: Partial<WebhookConfig>;
}

const REQUEST_LOG_LIMIT = 20_000;

export class Sim {
  readonly store: Store;
  readonly webhooks: WebhookSender;
  readonly faults: Faults;
  readonly idempotency: IdempotencyCache;
  requestLog: RequestLogEntry[] = [];
  /** Where the simulator is reachable (3DS URLs point here). Set once listening. */
  baseUrl = '';
  /**
   * How long a card payment stays `processing` before it settles (0: settles at once, as card
   * payments do on Stripe). Set through the control API to exercise an app's `processing` path.
   */
  processingMs = 0;
  private timers = new Set<NodeJS.Timeout>();
  private readonly seed: number;

  constructor(options: SimOptions = {}) {
    this.seed = options.seed ?? 1;
    this.store = new Store(options.dataDir);
    this.idempotency = new IdempotencyCache(() => this.store.changed());
    this.store.register('idempotency', this.idempotency);
    this.store.load();
    this.faults = new Faults(this.seed);
    this.webhooks = new WebhookSender(
      this.store,
      { ...DEFAULT_WEBHOOK_CONFIG, ...options.webhooks },
      this.seed,
    );
  }

  /** A context for state changes that no API request caused (3DS, the control API). */
  systemCtx(): Ctx {
    return { sim: this, requestId: null, idempotencyKey: null, publishable: false };
  }

  logRequest(entry: RequestLogEntry): void {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.splice(0, 1000);
  }

  /** Runs `fn` later, unless the simulator is reset or closed first. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels everything scheduled: pending settlements and webhook deliveries. */
  stopTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.webhooks.reset();
  }

  reset(): void {
    this.stopTimers();
    this.processingMs = 0;
    this.store.reset();
    this.idempotency.reset();
    this.faults.reset(this.seed);
    this.requestLog = [];
  }
}
