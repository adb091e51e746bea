// Every object type has the top-level fields of Stripe's own fixture (stripe/openapi
// fixtures3.json, copied into simulator/fixtures/) with compatible JSON types.
import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { sdk, startSim } from './helpers.ts';

const fixtures = JSON.parse(
  // A fixed file shipped in the repository.
  // eslint-disable-next-line security/detect-non-literal-fs-filename
  readFileSync(new URL('../../simulator/fixtures/stripe-fixtures.json', import.meta.url), 'utf8'),
) as { resources: Record<string, Record<string, unknown>> };

/**
 * Fields the fixture predates: required by the `stripe` package's types for the pinned API
 * version (2026-10-28.endive), so the objects carry them too (test-cards.md: satisfy both).
 */
const NEWER_REQUIRED: Record<string, string[]> = {
  payment_intent: ['allowed_payment_method_types', 'payment_record'],
  setup_intent: ['allowed_payment_method_types'],
  dispute: ['intended_submission_method'],
};

let sim: SimulatorHandle;
let stripe: Stripe;
const objects: Record<string, unknown> = {};

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
  const customer = await stripe.customers.create({ email: 'shape@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_createDispute', { customer: customer.id });
  const si = await stripe.setupIntents.create({
    customer: customer.id,
    payment_method: pm.id,
    confirm: true,
    allowed_payment_method_types: ['card'],
  });
  const pi = await stripe.paymentIntents.create({
    amount: 1000,
    currency: 'usd',
    customer: customer.id,
    payment_method: pm.id,
    confirm: true,
    allowed_payment_method_types: ['card'],
  });
  const charge = await stripe.charges.retrieve(pi.latest_charge as string);
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
  const dispute = (await stripe.disputes.list({ charge: charge.id })).data[0];
  const event = (await stripe.events.list({ limit: 1 })).data[0];
  const webhook = await stripe.webhookEndpoints.retrieve(
    (await stripe.webhookEndpoints.create({ url: 'https://example.com/h', enabled_events: ['*'] }))
      .id,
  );
  const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
  Object.assign(objects, {
    customer: await stripe.customers.retrieve(customer.id),
    payment_method: pm,
    setup_intent: si,
    payment_intent: pi,
    charge,
    refund,
    dispute,
    event,
    webhook_endpoint: webhook,
    balance_transaction: txn,
  });
});
afterAll(() => sim.close());

describe('shapes match Stripe fixtures', () => {
  for (const type of [
    'customer',
    'payment_method',
    'setup_intent',
    'payment_intent',
    'charge',
    'refund',
    'dispute',
    'event',
    'webhook_endpoint',
    'balance_transaction',
  ]) {
    it(`when a ${type} is returned, then it has the fixture's top-level fields with compatible types`, () => {
      const fixture = fixtures.resources[type]!;
      const ours = JSON.parse(JSON.stringify(objects[type])) as Record<string, unknown>;
      delete ours.lastResponse;
      const extra = Object.keys(ours).filter((k) => !(k in fixture));
      expect(Object.keys(fixture).filter((k) => !(k in ours))).toEqual([]);
      expect(extra.sort()).toEqual([...(NEWER_REQUIRED[type] ?? [])].sort());
      for (const [field, value] of Object.entries(fixture)) {
        const [a, b] = [jsonType(ours[field]), jsonType(value)];
        // null is compatible with anything: Stripe's fixtures and real objects both use it.
        if (a !== 'null' && b !== 'null') expect(`${field}: ${a}`).toBe(`${field}: ${b}`);
      }
    });
  }
});
