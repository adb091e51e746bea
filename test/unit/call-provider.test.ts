// callProvider (src/stripe/call-provider.ts): every Stripe write is sorted into the three
// outcomes its caller must handle, with the stored idempotency key, and counted.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.ts';
import { registry } from '../../src/lib/metrics.ts';
import { answerOrThrow, callProvider } from '../../src/stripe/call-provider.ts';
import { PROVIDER_UNAVAILABLE } from '../../src/stripe/provider.ts';

async function counted(operation: string, outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('paydeck_stripe_write_outcomes_total')!.get();
  return (
    metric.values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)
      ?.value ?? 0
  );
}

describe('callProvider', () => {
  it('when Stripe answers, then the answer comes back, made with the given idempotency key', async () => {
    const keys: string[] = [];
    const outcome = await callProvider('test.answered', 'paydeck-payment-1', async (key) => {
      keys.push(key);
      return 'pi_1';
    });
    expect(outcome).toEqual({ kind: 'answered', value: 'pi_1' });
    expect(keys).toEqual(['paydeck-payment-1']);
    expect(await counted('test.answered', 'answered')).toBe(1);
  });

  it('when Stripe refuses the request (4xx), then the outcome is refused with its error', async () => {
    const refusal = new AppError(400, 'parameter_invalid', 'Stripe refused it');
    const outcome = await callProvider('test.refused', 'k', () => Promise.reject(refusal));
    expect(outcome).toEqual({ kind: 'refused', error: refusal });
    expect(await counted('test.refused', 'refused')).toBe(1);
  });

  it('when Stripe cannot be reached, then the outcome is unavailable, to be settled later', async () => {
    const down = new AppError(503, PROVIDER_UNAVAILABLE, 'Stripe did not answer');
    const outcome = await callProvider('test.down', 'k', () => Promise.reject(down));
    expect(outcome).toEqual({ kind: 'unavailable', error: down, retryLater: true });
    expect(await counted('test.down', 'unavailable')).toBe(1);
  });

  it('when the call breaks some other way, then the outcome is unavailable and not retried later', async () => {
    const bug = new Error('boom');
    const outcome = await callProvider('test.broken', 'k', () => Promise.reject(bug));
    expect(outcome).toEqual({ kind: 'unavailable', error: bug, retryLater: false });
  });

  it('when a caller has nothing to settle, then answerOrThrow gives the answer or throws the error', async () => {
    expect(answerOrThrow({ kind: 'answered', value: 7 })).toBe(7);
    const refusal = new AppError(402, 'card_declined', 'declined');
    expect(() => answerOrThrow({ kind: 'refused', error: refusal })).toThrow(refusal);
  });
});
