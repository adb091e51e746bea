// Names of the payments' jobs, shared by the service steps that queue them and jobs.ts.
export const SYNC_PAYMENT_JOB = 'payments.sync';
export const OFF_SESSION_RETRY_JOB = 'payments.retry_off_session';
export const SETTLE_STALE_JOB = 'payments.settle_stale';

/** How long a `creating` payment may wait before the sync routine re-drives its Stripe call. */
export const REDRIVE_AFTER_MS = 10_000;
/** Stripe keeps idempotency keys 24 hours; past that a re-drive could charge twice. */
export const REDRIVE_WINDOW_MS = 23 * 3_600_000;
