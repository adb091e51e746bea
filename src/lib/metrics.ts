// Prometheus metrics (prom-client). One registry per process; every metric Paydeck exports is
// declared here so names and labels stay consistent: the alert rules and the Grafana dashboard
// in ops/ refer to them (test/unit/ops-config.test.ts checks that every name they use exists).
// Labels never carry ids, emails or amounts: only bounded sets.
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'paydeck_process_' });

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
  auditSealFailures: new client.Counter({
    name: 'paydeck_audit_seal_failures_total',
    help: 'Sealer runs that failed (e.g. the database was unreachable); the next run retries',
    registers: [registry],
  }),
};
