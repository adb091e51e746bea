// Refund limits and events; disputes from the dispute test card.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { sdk, startSim, stripeError } from './helpers.ts';

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterAll(() => sim.close());

async function paid(amount = 1000, pm = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: pm,
    confirm: true,
    allowed_payment_method_types: ['card'],
  });
}

describe('refunds', () => {
  it('when refunded partially several times, then amounts add up and the charge follows', async () => {
    const pi = await paid(1000);
    const r1 = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 300,
      reason: 'requested_by_customer',
    });
    expect(r1).toMatchObject({
      object: 'refund',
      amount: 300,
      status: 'succeeded',
      payment_intent: pi.id,
      charge: pi.latest_charge,
      reason: 'requested_by_customer',
    });
    expect(r1.id).toMatch(/^re_/);
    const r2 = await stripe.refunds.create({ charge: pi.latest_charge as string, amount: 200 });
    let charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 500, refunded: false });
    const tooMuch = await stripeError(() =>
      stripe.refunds.create({ payment_intent: pi.id, amount: 501 }),
    );
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.type).toBe('StripeInvalidRequestError');
    expect(tooMuch.param).toBe('amount');
    expect(tooMuch.message).toBe(
      'Refund amount ($5.01) is greater than unrefunded amount on charge ($5.00)',
    );
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(500);
    charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 1000, refunded: true });
    const again = await stripeError(() =>
      stripe.refunds.create({ payment_intent: pi.id, amount: 1 }),
    );
    expect(again.code).toBe('charge_already_refunded');
    expect(again.message).toBe(`Charge ${pi.latest_charge as string} has already been refunded.`);
    const listed = await stripe.refunds.list({ payment_intent: pi.id });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, r2.id, r1.id]);
    expect((await stripe.refunds.list({ charge: pi.latest_charge as string })).data).toHaveLength(
      3,
    );
    expect((await stripe.refunds.retrieve(r1.id)).amount).toBe(300);
  });

  it('when partially captured, then refunds are limited to the captured amount', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
      allowed_payment_method_types: ['card'],
    });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 600 });
    const err = await stripeError(() =>
      stripe.refunds.create({ payment_intent: pi.id, amount: 700 }),
    );
    expect(err.param).toBe('amount');
    expect((await stripe.refunds.create({ payment_intent: pi.id })).amount).toBe(600);
  });

  it('when the intent never succeeded, then it cannot be refunded', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const err = await stripeError(() => stripe.refunds.create({ payment_intent: pi.id }));
    expect(err.statusCode).toBe(400);
  });

  it('when refunded and updated, then refund.created, charge.refunded, refund.updated and charge.refund.updated are sent', async () => {
    const pi = await paid(2000);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    await stripe.refunds.update(refund.id, { metadata: { why: 'late' } });
    const events = await stripe.events.list({ limit: 10 });
    const types = events.data.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'charge.refund.updated',
      'refund.updated',
      'charge.refunded',
      'refund.created',
    ]);
    const chargeRefunded = events.data.find((e) => e.type === 'charge.refunded')!;
    expect(chargeRefunded.data.previous_attributes).toMatchObject({ amount_refunded: 0 });
  });
});

describe('disputes', () => {
  it('when paid with 4000000000000259, then a fraudulent dispute needs a response', async () => {
    const pi = await paid(4200, 'pm_card_createDispute');
    expect(pi.status).toBe('succeeded');
    const disputes = await stripe.disputes.list({ payment_intent: pi.id });
    expect(disputes.data).toHaveLength(1);
    const dispute = disputes.data[0]!;
    expect(dispute).toMatchObject({
      object: 'dispute',
      status: 'needs_response',
      reason: 'fraudulent',
      amount: 4200,
      charge: pi.latest_charge,
      payment_intent: pi.id,
    });
    expect(dispute.id).toMatch(/^dp_/);
    expect((await stripe.disputes.retrieve(dispute.id)).id).toBe(dispute.id);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.disputed).toBe(true);
    const events = await stripe.events.list({ type: 'charge.dispute.created' });
    expect(events.data[0]!.data.object).toMatchObject({ id: dispute.id });
  });
});
