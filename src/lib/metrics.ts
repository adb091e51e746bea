// Prometheus metrics (prom-client). One registry per process; every metric Paydeck exports is
// declared here so names and labels stay consistent: the alert rules and the Grafana dashboard
// in ops/ refer to them (test/unit/ops-config.test.ts checks that every name they use exists).
// Labels never carry ids, emails or amounts: only bounded sets. Node.js's own figures keep the
// names every Node.js dashboard knows (process_*, nodejs_*; ADR 021); Paydeck's start with paydeck_.
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metrics = {
  httpRequests: new client.Counter({
    name: 'paydeck_http_requests_total',
    help: 'HTTP requests by route pattern, method and status class',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  }),
  httpDuration: new client.Histogram({
    name: 'paydeck_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  }),
  paymentAttempts: new client.Counter({
    name: 'paydeck_payment_attempts_total',
    help: 'Payments attempted (PaymentIntents created), by currency and session type',
    labelNames: ['currency', 'off_session'] as const,
    registers: [registry],
  }),
  paymentOutcomes: new client.Counter({
    name: 'paydeck_payment_outcomes_total',
    help: 'Payments reaching a settled state, by outcome, currency and decline code',
    labelNames: ['outcome', 'currency', 'decline_code'] as const,
    registers: [registry],
  }),
  paymentAmount: new client.Counter({
    name: 'paydeck_payment_amount_minor_total',
    help: 'Sum of succeeded payment amounts in minor units, by currency',
    labelNames: ['currency'] as const,
    registers: [registry],
  }),
  paymentsInProgress: new client.Gauge({
    name: 'paydeck_payments_unsettled',
    help: 'Payments not yet settled (creating, unknown, processing), by status; set by the reconciler',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  refunds: new client.Counter({
    name: 'paydeck_refunds_total',
    help: 'Refunds by outcome and currency',
    labelNames: ['outcome', 'currency'] as const,
    registers: [registry],
  }),
  stripeCalls: new client.Histogram({
    name: 'paydeck_stripe_request_duration_seconds',
    help: 'Stripe API call duration (including SDK retries), by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  }),
  stripeErrors: new client.Counter({
    name: 'paydeck_stripe_errors_total',
    help: 'Stripe API errors by operation and error type',
    labelNames: ['operation', 'type'] as const,
    registers: [registry],
  }),
  stripeWrites: new client.Counter({
    name: 'paydeck_stripe_write_outcomes_total',
    help: 'Mutating Stripe calls by operation and outcome (answered, refused, unavailable)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  }),
  webhooksReceived: new client.Counter({
    name: 'paydeck_webhooks_received_total',
    help: 'Webhook requests by result (accepted, duplicate, bad_signature, invalid)',
    labelNames: ['result'] as const,
    registers: [registry],
  }),
  webhooksProcessed: new client.Counter({
    name: 'paydeck_webhooks_processed_total',
    help: 'Webhook events processed, by type and outcome (processed, ignored, failed)',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  }),
  webhookLag: new client.Histogram({
    name: 'paydeck_webhook_lag_seconds',
    help: 'Time from the event being created at Stripe to it being processed here',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  }),
  merchantWebhookDeliveries: new client.Counter({
    name: 'paydeck_merchant_webhook_attempts_total',
    help: "Attempts to deliver an event to a merchant's endpoint, by outcome (delivered, retrying, failed: given up)",
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  merchantWebhookDuration: new client.Histogram({
    name: 'paydeck_merchant_webhook_attempt_duration_seconds',
    help: "Time a merchant's endpoint took to answer a delivery (or to fail)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  }),
  jobs: new client.Counter({
    name: 'paydeck_jobs_total',
    help: 'Background jobs run, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  }),
  jobDuration: new client.Histogram({
    name: 'paydeck_job_duration_seconds',
    help: 'Background job duration by queue',
    labelNames: ['queue'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  }),
  queueDepth: new client.Gauge({
    name: 'paydeck_queue_depth',
    help: 'Jobs waiting, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  }),
  disputesOpened: new client.Counter({
    name: 'paydeck_disputes_opened_total',
    help: 'Disputes recorded for the first time (from Stripe events or reconciliation), by currency',
    labelNames: ['currency'] as const,
    registers: [registry],
  }),
  reconciliationDiscrepancies: new client.Counter({
    name: 'paydeck_reconciliation_discrepancies_total',
    help: 'Differences found between our records and Stripe, by object type and field',
    labelNames: ['object', 'field'] as const,
    registers: [registry],
  }),
  auditEntriesSealed: new client.Counter({
    name: 'paydeck_audit_entries_sealed_total',
    help: 'Audit entries given their place in the hash chain by the sealer',
    registers: [registry],
  }),
  dbStatements: new client.Counter({
    name: 'paydeck_db_statements_total',
    help: 'Statements the app pool sent to PostgreSQL (BEGIN and COMMIT included), by the route pattern of the request that sent them ("none": background work); ÷ requests = round trips per request',
    labelNames: ['route'] as const,
    registers: [registry],
  }),
  auditSealFailures: new client.Counter({
    name: 'paydeck_audit_seal_failures_total',
    help: 'Sealer runs that failed (e.g. the database was unreachable); the next run retries',
    registers: [registry],
  }),
};

const statementRoute = new AsyncLocalStorage<string>();

/** Runs `next` (the rest of a request) with its database statements counted under `route`. */
export function countStatementsFor(route: string, next: () => void): void {
  statementRoute.run(route, next);
}

/** Counts one statement sent to PostgreSQL, under the route of the request sending it. */
export function countStatement(): void {
  metrics.dbStatements.inc({ route: statementRoute.getStore() ?? 'none' });
}

/** A connection pool's size and use at one moment, as node-postgres counts them. */
export interface PoolCounts {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

/** The pools the pool gauges read at each scrape, by name (`app`, `jobs`). */
const pools = new Map<string, () => PoolCounts | null>();

/**
 * Reports a connection pool in the paydeck_db_pool_* gauges under `name`, until the returned
 * function is called. Read at scrape time, so nothing runs between scrapes.
 */
export function watchPool(name: string, counts: () => PoolCounts | null): () => void {
  pools.set(name, counts);
  return () => {
    if (pools.get(name) === counts) pools.delete(name);
  };
}

function poolGauge(name: string, help: string, field: keyof PoolCounts) {
  return new client.Gauge({
    name,
    help,
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, counts] of pools) {
        const now = counts();
        if (now) this.set({ pool }, now[field]);
      }
    },
  });
}

poolGauge(
  'paydeck_db_pool_max_clients',
  'Connections a database pool may open (app: requests and jobs; jobs: pg-boss)',
  'max',
);
poolGauge('paydeck_db_pool_total_clients', 'Connections a database pool has open', 'total');
poolGauge('paydeck_db_pool_idle_clients', 'Open connections of a pool not in use', 'idle');
poolGauge(
  'paydeck_db_pool_waiting_clients',
  'Queries waiting for a free connection of a pool (above 0 for long: the pool is too small)',
  'waiting',
);

/** This package's version: the package.json above this file, in the sources or in dist/. */
function packageVersion(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a folder above this module
    if (existsSync(file)) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the same file
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'paydeck') return pkg.version ?? 'unknown';
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

const buildInfo = new client.Gauge({
  name: 'paydeck_build_info',
  help: 'Always 1; its labels say which Paydeck (version, commit when BUILD_COMMIT is set) runs on which Node.js',
  labelNames: ['version', 'commit', 'node'] as const,
  registers: [registry],
});

/** Sets paydeck_build_info; `commit` is the BUILD_COMMIT setting, empty when unknown. */
export function recordBuildInfo(commit: string | undefined): void {
  buildInfo.reset();
  buildInfo.set({ version: packageVersion(), commit: commit ?? '', node: process.version }, 1);
}
