// The real `stripe` SDK pointed at a test app's simulator: for checking what Stripe saw, and
// for playing Stripe.js (creating PaymentMethods from card numbers) in API-level tests.
import Stripe from 'stripe';
import type { TestApp } from './app.ts';

export function stripeFor(t: TestApp): Stripe {
  const url = new URL(t.sim.url);
  return new Stripe('sk_test_paydeck_tests', {
    host: url.hostname,
    port: url.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}

/** What Stripe.js does in the browser: a PaymentMethod from a card number. */
export async function cardPaymentMethod(t: TestApp, number: string): Promise<string> {
  const pm = await stripeFor(t).paymentMethods.create({
    type: 'card',
    card: { number, exp_month: 12, exp_year: new Date().getFullYear() + 3, cvc: '123' },
  } as unknown as Stripe.PaymentMethodCreateParams);
  return pm.id;
}

/** The customer passes (or fails) the 3-D Secure challenge at the simulator. */
export async function authenticate(
  t: TestApp,
  clientSecret: string,
  result: 'complete' | 'fail',
): Promise<void> {
  const intentId = clientSecret.split('_secret_')[0];
  const res = await fetch(`${t.sim.url}/_sim/3ds/${intentId}/${result}`, { method: 'POST' });
  if (!res.ok) throw new Error(`3DS ${result} failed: ${res.status} ${await res.text()}`);
}

/** PaymentIntent creations that reached the simulator (not replays), for "no double charge" checks. */
export async function intentCreations(
  t: TestApp,
): Promise<Array<{ idempotency_key: string | null; status: number; outcome: string }>> {
  const res = await fetch(`${t.sim.url}/_sim/requests?method=POST&path=/v1/payment_intents`);
  const body = (await res.json()) as {
    data: Array<{ idempotency_key: string | null; status: number; outcome: string }>;
  };
  return body.data;
}

export async function addFault(t: TestApp, rule: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${t.sim.url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  if (!res.ok) throw new Error(`fault rule refused: ${await res.text()}`);
}

export async function clearFaults(t: TestApp): Promise<void> {
  await fetch(`${t.sim.url}/_sim/faults`, { method: 'DELETE' });
}
