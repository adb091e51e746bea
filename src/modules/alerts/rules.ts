// The alert rules, as code: what is measured, over which window, when it is a problem, and for
// how long it must last before someone is told. The in-app evaluator (./service.ts) checks them
// every minute from the database, so they hold across restarts and instances;
// ops/prometheus/alerts.yml has the same ideas for teams that run Prometheus.
//
// `measure` names a query in ./measures.ts. A rule fires when the measured value is above
// `above` (or below `below`), the window held at least `minVolume` events where that applies,
// and the condition has held for `forMinutes` (0: at the first evaluation that sees it).

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertRule {
  id: string;
  title: string;
  severity: Severity;
  measure: MeasureName;
  windowMinutes: number;
  above?: number;
  below?: number;
  /** The least number of events in the window for the value to mean anything. */
  minVolume?: number;
  forMinutes: number;
  /** What a person should do, in the notification. */
  runbook: string;
}

export const measureNames = [
  'payment_success_rate',
  'decline_rate_vs_previous_day',
  'stripe_error_rate',
  'stripe_latency_p99_ms',
  'webhook_signature_failures',
  'webhook_oldest_unprocessed_minutes',
  'payments_unresolved',
  'reconciliation_unfixed_drift',
  'job_backlog',
  'disputes_opened',
  'refunds_failed',
  'merchant_webhook_endpoints_disabled',
] as const;
export type MeasureName = (typeof measureNames)[number];

/** The database itself: watched by every working process, not by a query (./database-watch.ts). */
export const DATABASE_RULE_ID = 'database_unreachable';

export const alertRules: readonly AlertRule[] = [
  {
    id: 'payment_success_rate_low',
    title: 'Payment success rate below 80 % over 15 minutes',
    severity: 'critical',
    measure: 'payment_success_rate',
    windowMinutes: 15,
    below: 0.8,
    minVolume: 10,
    forMinutes: 0,
    runbook:
      'Look at the decline reasons on the dashboard: one code dominating (e.g. card_declined from one BIN range) points at card testing; processing_error points at Stripe.',
  },
  {
    id: 'decline_rate_spike',
    title: 'Decline rate over the last hour more than twice the previous day’s',
    severity: 'warning',
    measure: 'decline_rate_vs_previous_day',
    windowMinutes: 60,
    above: 2,
    minVolume: 20,
    forMinutes: 5,
    runbook:
      'Compare decline codes with yesterday on the dashboard; a sudden rise of one code from few customers is usually card testing (tighten RATE_LIMIT_PAY_PER_MINUTE).',
  },
  {
    id: 'stripe_errors',
    title: 'Stripe answering 5xx, timing out or resetting for more than 5 % of calls',
    severity: 'critical',
    measure: 'stripe_error_rate',
    windowMinutes: 5,
    above: 0.05,
    minVolume: 20,
    forMinutes: 2,
    runbook:
      'Check status.stripe.com. Payments left unknown are settled by the sync job once Stripe answers; nothing is charged twice.',
  },
  {
    id: 'stripe_slow',
    title: 'Stripe calls p99 above 3 s over 5 minutes',
    severity: 'warning',
    measure: 'stripe_latency_p99_ms',
    windowMinutes: 5,
    above: 3000,
    minVolume: 20,
    forMinutes: 5,
    runbook: 'Check status.stripe.com and the network path from the servers to api.stripe.com.',
  },
  {
    id: 'webhook_signature_failures',
    title: 'Webhooks refused for a bad signature',
    severity: 'warning',
    measure: 'webhook_signature_failures',
    windowMinutes: 15,
    above: 5,
    forMinutes: 0,
    runbook:
      'Either STRIPE_WEBHOOK_SECRETS does not match the endpoint in Stripe’s dashboard (after a secret roll), or someone is sending forged events.',
  },
  {
    id: 'webhook_lag',
    title: 'A Stripe event waiting more than 5 minutes to be processed',
    severity: 'critical',
    measure: 'webhook_oldest_unprocessed_minutes',
    windowMinutes: 0,
    above: 5,
    forMinutes: 0,
    runbook:
      'Is a worker running (RUN_WORKERS or npm run worker)? The console’s Webhooks page shows failing events and their errors.',
  },
  {
    id: 'payments_unresolved',
    title: 'Payments still creating or unknown after 10 minutes',
    severity: 'critical',
    measure: 'payments_unresolved',
    windowMinutes: 10,
    above: 0,
    forMinutes: 0,
    runbook:
      'The settle job asks Stripe about these every minute: check the worker and Stripe. The console lists them under Payments (status creating/unknown).',
  },
  {
    id: 'reconciliation_drift',
    title: 'The last reconciliation found differences it could not fix',
    severity: 'critical',
    measure: 'reconciliation_unfixed_drift',
    windowMinutes: 0,
    above: 0,
    forMinutes: 0,
    runbook:
      'Open the console’s Reconciliation page: each difference names the field and both values.',
  },
  {
    id: 'job_backlog',
    title: 'More than 100 jobs waiting over 5 minutes',
    severity: 'warning',
    measure: 'job_backlog',
    windowMinutes: 5,
    above: 100,
    forMinutes: 5,
    runbook: 'Workers are down or too few: check `npm run worker` processes and their logs.',
  },
  {
    id: 'dispute_opened',
    title: 'A dispute was opened',
    severity: 'warning',
    measure: 'disputes_opened',
    windowMinutes: 24 * 60,
    above: 0,
    forMinutes: 0,
    runbook:
      'Answer it in Stripe’s dashboard before its due date with the order’s evidence (the console shows the order and its timeline). Acknowledge here once someone owns it.',
  },
  {
    id: 'refund_failed',
    title: 'A refund failed',
    severity: 'warning',
    measure: 'refunds_failed',
    windowMinutes: 24 * 60,
    above: 0,
    forMinutes: 0,
    runbook:
      'The customer has not been paid back: the console shows the refund’s failure reason; refund another way and note it on the order.',
  },
  {
    id: 'merchant_webhook_endpoint_disabled',
    title: 'A merchant webhook endpoint was disabled after failing for a day',
    severity: 'warning',
    measure: 'merchant_webhook_endpoints_disabled',
    windowMinutes: 0,
    above: 0,
    forMinutes: 0,
    runbook:
      'The merchant’s backend has not accepted webhooks for 24 hours. The console’s Merchant webhooks page shows each attempt’s answer; once the backend is fixed, re-enable the endpoint (pending deliveries resume) and resend what it missed.',
  },
];

/** Every rule the console shows, the database watch included. */
export const allRuleIds = [...alertRules.map((r) => r.id), DATABASE_RULE_ID];
