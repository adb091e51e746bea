// Every row of shared/reference/stripe-test-cards.md, by test PaymentMethod id and by card
// number, on session and off session. Decline messages are the ones Stripe's test mode returns
// (as recorded against the real API in public integration suites).
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { cardPaymentMethod, sdk, settle3ds, startSim, stripeError, waitFor } from './helpers.ts';

type Settled =
  | { kind: 'succeeded' }
  | { kind: 'declined'; code: string; decline_code?: string; message?: string };
type Outcome = Settled | { kind: '3ds'; after: Settled };

const ok: Settled = { kind: 'succeeded' };
const declined = (code: string, decline_code?: string, message?: string): Settled => ({
  kind: 'declined',
  code,
  decline_code,
  message,
});
const authRequired = declined('authentication_required', 'authentication_required');

interface Row {
  case: string;
  number: string;
  pm?: string;
  onSession: Outcome;
  offSession: Outcome;
  attachable: boolean;
}

const ROWS: Row[] = [
  {
    case: 'success',
    number: '4242424242424242',
    pm: 'pm_card_visa',
    onSession: ok,
    offSession: ok,
    attachable: true,
  },
  {
    case: 'success, Mastercard',
    number: '5555555555554444',
    pm: 'pm_card_mastercard',
    onSession: ok,
    offSession: ok,
    attachable: true,
  },
  {
    case: 'generic decline',
    number: '4000000000000002',
    pm: 'pm_card_visa_chargeDeclined',
    onSession: declined('card_declined', 'generic_decline', 'Your card was declined.'),
    offSession: declined('card_declined', 'generic_decline'),
    attachable: false,
  },
  {
    case: 'insufficient funds',
    number: '4000000000009995',
    pm: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    onSession: declined('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
    offSession: declined('card_declined', 'insufficient_funds'),
    attachable: false,
  },
  {
    case: 'lost card',
    number: '4000000000009987',
    pm: 'pm_card_visa_chargeDeclinedLostCard',
    onSession: declined('card_declined', 'lost_card', 'Your card was declined.'),
    offSession: declined('card_declined', 'lost_card'),
    attachable: false,
  },
  {
    case: 'stolen card',
    number: '4000000000009979',
    pm: 'pm_card_visa_chargeDeclinedStolenCard',
    onSession: declined('card_declined', 'stolen_card', 'Your card was declined.'),
    offSession: declined('card_declined', 'stolen_card'),
    attachable: false,
  },
  {
    case: 'expired card',
    number: '4000000000000069',
    pm: 'pm_card_chargeDeclinedExpiredCard',
    onSession: declined('expired_card', undefined, 'Your card has expired.'),
    offSession: declined('expired_card'),
    attachable: false,
  },
  {
    case: 'incorrect CVC',
    number: '4000000000000127',
    pm: 'pm_card_chargeDeclinedIncorrectCvc',
    onSession: declined('incorrect_cvc', undefined, "Your card's security code is incorrect."),
    offSession: declined('incorrect_cvc'),
    attachable: false,
  },
  {
    case: 'processing error',
    number: '4000000000000119',
    pm: 'pm_card_chargeDeclinedProcessingError',
    onSession: declined(
      'processing_error',
      undefined,
      'An error occurred while processing your card. Try again in a little bit.',
    ),
    offSession: declined('processing_error'),
    attachable: false,
  },
  {
    case: 'velocity limit',
    number: '4000000000006975',
    pm: 'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
    onSession: declined(
      'card_declined',
      'card_velocity_exceeded',
      'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
    ),
    offSession: declined('card_declined', 'card_velocity_exceeded'),
    attachable: false,
  },
  {
    case: 'attaches, then fails when charged',
    number: '4000000000000341',
    pm: 'pm_card_chargeCustomerFail',
    onSession: declined('card_declined'),
    offSession: declined('card_declined'),
    attachable: true,
  },
  {
    case: '3DS always required',
    number: '4000002760003184',
    pm: 'pm_card_authenticationRequired',
    onSession: { kind: '3ds', after: ok },
    offSession: authRequired,
    attachable: true,
  },
  {
    case: '3DS required unless set up',
    number: '4000002500003155',
    pm: 'pm_card_authenticationRequiredOnSetup',
    onSession: { kind: '3ds', after: ok },
    offSession: authRequired,
    attachable: true,
  },
  {
    case: '3DS required, then declined',
    number: '4000008400001629',
    onSession: { kind: '3ds', after: declined('card_declined') },
    offSession: authRequired,
    attachable: true,
  },
  {
    case: '3DS authenticates, then insufficient funds',
    number: '4000008260003178',
    onSession: { kind: '3ds', after: declined('card_declined', 'insufficient_funds') },
    offSession: authRequired,
    attachable: true,
  },
  {
    case: '3DS supported, not required',
    number: '4000000000003055',
    onSession: ok,
    offSession: ok,
    attachable: true,
  },
  {
    case: '3DS2 frictionless',
    number: '4000000032200000',
    onSession: ok,
    offSession: ok,
    attachable: true,
  },
  {
    case: 'dispute (fraudulent)',
    number: '4000000000000259',
    pm: 'pm_card_createDispute',
    onSession: ok,
    offSession: ok,
    attachable: true,
  },
];

let sim: SimulatorHandle;
let stripe: Stripe;

beforeAll(async () => {
  sim = await startSim();
  stripe = sdk(sim);
});
afterAll(() => sim.close());

function expectDecline(
  err: Stripe.errors.StripeError,
  outcome: Extract<Outcome, { kind: 'declined' }>,
) {
  expect(err).toBeInstanceOf(stripe.errors.StripeCardError);
  expect(err.statusCode).toBe(402);
  expect(err.type).toBe('StripeCardError');
  expect(err.raw).toMatchObject({ type: 'card_error', code: outcome.code });
  expect(err.code).toBe(outcome.code);
  if (outcome.decline_code) expect(err.decline_code).toBe(outcome.decline_code);
  if (outcome.message) expect(err.message).toBe(outcome.message);
  const pi = err.payment_intent!;
  expect(pi.status).toBe('requires_payment_method');
  expect(pi.last_payment_error).toMatchObject({ type: 'card_error', code: outcome.code });
  expect(pi.last_payment_error?.payment_method?.id).toMatch(/^pm_/);
  expect(pi.latest_charge).toMatch(/^ch_/);
}

async function expectOutcome(
  run: () => Promise<Stripe.PaymentIntent>,
  outcome: Outcome,
): Promise<Stripe.PaymentIntent | undefined> {
  if (outcome.kind === 'declined') {
    expectDecline(await stripeError(run), outcome);
    return undefined;
  }
  const pi = await run();
  if (outcome.kind === 'succeeded') {
    expect(pi.status).toBe('succeeded');
    expect(pi.amount_received).toBe(pi.amount);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true });
    return pi;
  }
  expect(pi.status).toBe('requires_action');
  expect(pi.next_action?.type).toBe('use_stripe_sdk');
  await settle3ds(sim, pi.id, 'complete');
  const after = await stripe.paymentIntents.retrieve(pi.id);
  if (outcome.after.kind === 'succeeded') expect(after.status).toBe('succeeded');
  else {
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({
      type: 'card_error',
      code: outcome.after.code,
    });
    if (outcome.after.decline_code)
      expect(after.last_payment_error?.decline_code).toBe(outcome.after.decline_code);
  }
  return after;
}

const sources = (row: Row) => [
  ...(row.pm ? [['test PaymentMethod', row.pm] as const] : []),
  ['card number', row.number] as const,
];

describe.each(ROWS)('test card: $case', (row) => {
  for (const [via, source] of sources(row)) {
    const paymentMethod = async () =>
      via === 'card number' ? (await cardPaymentMethod(stripe, source)).id : source;

    it(`when charged on session by ${via}, then ${row.onSession.kind}`, async () => {
      const pm = await paymentMethod();
      const pi = await expectOutcome(
        () =>
          stripe.paymentIntents.create({
            amount: 2000,
            currency: 'usd',
            payment_method: pm,
            allowed_payment_method_types: ['card'],
            confirm: true,
          }),
        row.onSession,
      );
      if (row.case.startsWith('dispute') && pi) {
        const disputes = await waitFor(async () => {
          const list = await stripe.disputes.list({ payment_intent: pi.id });
          return list.data.length > 0 && list.data;
        });
        expect(disputes[0]).toMatchObject({
          status: 'needs_response',
          reason: 'fraudulent',
          amount: 2000,
        });
        const events = await stripe.events.list({ type: 'charge.dispute.created' });
        expect(
          events.data.some((e) => (e.data.object as Stripe.Dispute).id === disputes[0]!.id),
        ).toBe(true);
      }
    });

    it(`when charged off session by ${via}, then ${row.offSession.kind === 'declined' ? row.offSession.code : row.offSession.kind}`, async () => {
      const customer = await stripe.customers.create();
      let pm = await paymentMethod();
      if (row.attachable) {
        pm = (await stripe.paymentMethods.attach(pm, { customer: customer.id })).id;
      } else {
        const err = await stripeError(() =>
          stripe.paymentMethods.attach(pm, { customer: customer.id }),
        );
        expect(err).toBeInstanceOf(stripe.errors.StripeCardError);
      }
      await expectOutcome(
        () =>
          stripe.paymentIntents.create({
            amount: 2000,
            currency: 'usd',
            customer: row.attachable ? customer.id : undefined,
            payment_method: pm,
            allowed_payment_method_types: ['card'],
            off_session: true,
            confirm: true,
          }),
        row.offSession,
      );
    });
  }
});

describe('3DS required unless set up (4000002500003155)', () => {
  it('when set up with a SetupIntent, then off-session payments succeed without authentication', async () => {
    const customer = await stripe.customers.create();
    const si = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      allowed_payment_method_types: ['card'],
      confirm: true,
    });
    expect(si.status).toBe('requires_action');
    await settle3ds(sim, si.id, 'complete');
    const done = await stripe.setupIntents.retrieve(si.id);
    expect(done.status).toBe('succeeded');
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      customer: customer.id,
      payment_method: done.payment_method as string,
      allowed_payment_method_types: ['card'],
      off_session: true,
      confirm: true,
    });
    expect(pi.status).toBe('succeeded');
  });

  it('when set up, then 4000002760003184 still needs authentication off session', async () => {
    const customer = await stripe.customers.create();
    const si = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequired',
      allowed_payment_method_types: ['card'],
      confirm: true,
    });
    await settle3ds(sim, si.id, 'complete');
    const pm = (await stripe.setupIntents.retrieve(si.id)).payment_method as string;
    const err = await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1500,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm,
        allowed_payment_method_types: ['card'],
        off_session: true,
        confirm: true,
      }),
    );
    expect(err.code).toBe('authentication_required');
    expect(err.payment_intent?.status).toBe('requires_payment_method');
  });
});

describe('incorrect number (4242424242424241)', () => {
  it('when entered, then 402 card_error incorrect_number at card entry', async () => {
    const err = await stripeError(() => cardPaymentMethod(stripe, '4242424242424241'));
    expect(err).toBeInstanceOf(stripe.errors.StripeCardError);
    expect(err.code).toBe('incorrect_number');
    expect(err.statusCode).toBe(402);
  });
});
