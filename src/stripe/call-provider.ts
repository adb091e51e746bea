// The one way a Stripe write is made (STYLE.md §8, "write, then call, then settle"). The caller
// has already recorded its intent with an idempotency key derived from its own row; this makes
// the call with that key and sorts what happened into the three outcomes every caller must
// handle, so each of them handles all three:
//
//  - answered:    Stripe did it (or answered with a card decline, which is an answer too);
//  - refused:     Stripe refused the request itself (4xx): nothing happened at Stripe;
//  - unavailable: we do not know what happened. `retryLater` is true when Stripe could not be
//                 reached (the caller settles the row later, through its sync routine); false
//                 when the call broke some other way (the caller records it and rethrows).
import { AppError } from '../lib/errors.ts';
import { metrics } from '../lib/metrics.ts';
import { PROVIDER_UNAVAILABLE } from './provider.ts';

export type ProviderOutcome<T> =
  | { kind: 'answered'; value: T }
  | { kind: 'refused'; error: AppError }
  | { kind: 'unavailable'; error: unknown; retryLater: boolean };

export async function callProvider<T>(
  operation: string,
  idempotencyKey: string,
  call: (idempotencyKey: string) => Promise<T>,
): Promise<ProviderOutcome<T>> {
  let outcome: ProviderOutcome<T>;
  try {
    outcome = { kind: 'answered', value: await call(idempotencyKey) };
  } catch (err) {
    if (err instanceof AppError && err.code === PROVIDER_UNAVAILABLE)
      outcome = { kind: 'unavailable', error: err, retryLater: true };
    else if (err instanceof AppError && err.status < 500) outcome = { kind: 'refused', error: err };
    else outcome = { kind: 'unavailable', error: err, retryLater: false };
  }
  metrics.stripeWrites.inc({ operation, outcome: outcome.kind });
  return outcome;
}

/** For writes with nothing to settle on failure (capture, cancel, setup): the answer or the error. */
export function answerOrThrow<T>(outcome: ProviderOutcome<T>): T {
  if (outcome.kind === 'answered') return outcome.value;
  throw outcome.error;
}
