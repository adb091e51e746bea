export const SYNC_REFUND_JOB = 'refunds.sync';

/** How long a `creating` refund may wait before the sync routine re-drives its Stripe call. */
export const REDRIVE_AFTER_MS = 10_000;
/** Stripe keeps idempotency keys 24 hours; past that a re-drive could refund twice. */
export const REDRIVE_WINDOW_MS = 23 * 3_600_000;
