// Stripe webhook signature verification (StripeProvider.verifyWebhook), offline: deliveries are
// signed here the way Stripe documents it (docs.stripe.com/webhooks#verify-manually) —
// `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` — and checked
// against one or several secrets (a rotation keeps two alive).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.ts';
import { StripeProvider } from '../../src/stripe/stripe-provider.ts';

const provider = new StripeProvider({ secretKey: 'sk_test_offline', maxNetworkRetries: 0 });
const SECRET = 'whsec_current';
const OLD_SECRET = 'whsec_previous';

const event = (over: Record<string, unknown> = {}) => ({
  id: 'evt_1',
  object: 'event',
  type: 'payment_intent.succeeded',
  created: 1_790_000_000,
  api_version: '2026-10-28.endive',
  livemode: false,
  data: { object: { id: 'pi_1', object: 'payment_intent', amount: 5000 } },
  ...over,
});

function sign(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

function rejection(call: () => unknown): AppError {
  try {
    call();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected verifyWebhook to throw');
}

describe('verifyWebhook', () => {
  it('when the signature matches, then the event is returned with the fields we use', () => {
    const body = JSON.stringify(event());
    const verified = provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), [SECRET]);
    expect(verified).toEqual({
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      created: 1_790_000_000,
      apiVersion: '2026-10-28.endive',
      livemode: false,
      objectId: 'pi_1',
      object: { id: 'pi_1', object: 'payment_intent', amount: 5000 },
      raw: JSON.parse(body),
    });
  });

  it.each([
    ['data is null', { data: null }],
    ['data has no object', { data: {} }],
    ['data.object is null', { data: { object: null } }],
    ['data.object is a string', { data: { object: 'pi_1' } }],
  ])(
    'when the signed body is not a whole event (%s), then it is still returned, with an empty object and no object id, for the intake to refuse',
    (_what, over) => {
      const body = JSON.stringify(event(over));
      const verified = provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), [SECRET]);
      expect(verified).toMatchObject({ id: 'evt_1', object: {}, objectId: null });
      expect(verified.raw).toEqual(JSON.parse(body));
    },
  );

  it('when the signed body is `null`, then nothing is read from it', () => {
    const verified = provider.verifyWebhook(Buffer.from('null'), sign('null', SECRET), [SECRET]);
    expect(verified).toMatchObject({ id: undefined, object: {}, objectId: null, raw: null });
  });

  it('when the event names no API version, then apiVersion is null', () => {
    const body = JSON.stringify(event({ api_version: null }));
    expect(
      provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), [SECRET]).apiVersion,
    ).toBeNull();
  });

  it('when the event object has no string id, then objectId is null', () => {
    for (const object of [{ object: 'balance' }, { id: 42, object: 'thing' }]) {
      const body = JSON.stringify(event({ data: { object } }));
      const verified = provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), [SECRET]);
      expect(verified.objectId).toBeNull();
      expect(verified.object).toEqual(object);
    }
  });

  it('when a live-mode event arrives, then livemode says so', () => {
    const body = JSON.stringify(event({ livemode: true }));
    expect(provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), [SECRET]).livemode).toBe(
      true,
    );
  });

  it('during a rotation, an event signed with either secret is accepted, whichever comes first', () => {
    const body = JSON.stringify(event());
    for (const secrets of [
      [OLD_SECRET, SECRET],
      [SECRET, OLD_SECRET],
    ]) {
      expect(provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), secrets).id).toBe(
        'evt_1',
      );
      expect(provider.verifyWebhook(Buffer.from(body), sign(body, OLD_SECRET), secrets).id).toBe(
        'evt_1',
      );
    }
  });

  it('when no secret matches, then 400 webhook_signature_invalid with the first line of the reason', () => {
    const body = JSON.stringify(event());
    const err = rejection(() =>
      provider.verifyWebhook(Buffer.from(body), sign(body, 'whsec_attacker'), [OLD_SECRET, SECRET]),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('webhook_signature_invalid');
    expect(err.message).toMatch(
      /^Webhook signature verification failed: No signatures found matching the expected signature for payload/,
    );
    expect(err.message).not.toContain('\n');
  });

  it('when the body was altered after signing, then it is refused', () => {
    const body = JSON.stringify(event());
    const altered = body.replace('5000', '1');
    const err = rejection(() =>
      provider.verifyWebhook(Buffer.from(altered), sign(body, SECRET), [SECRET]),
    );
    expect(err.code).toBe('webhook_signature_invalid');
  });

  it('when the signature is older than five minutes, then it is refused (a replay); four minutes is fine', () => {
    const body = JSON.stringify(event());
    const now = Math.floor(Date.now() / 1000);
    expect(
      provider.verifyWebhook(Buffer.from(body), sign(body, SECRET, now - 240), [SECRET]).id,
    ).toBe('evt_1');
    const err = rejection(() =>
      provider.verifyWebhook(Buffer.from(body), sign(body, SECRET, now - 360), [SECRET]),
    );
    expect(err.code).toBe('webhook_signature_invalid');
    expect(err.message).toMatch(/tolerance/i);
  });

  it('when the header is malformed, then it is refused', () => {
    const body = JSON.stringify(event());
    for (const header of ['', 'garbage', 't=1', `v1=${'0'.repeat(64)}`]) {
      expect(
        rejection(() => provider.verifyWebhook(Buffer.from(body), header, [SECRET])).code,
      ).toBe('webhook_signature_invalid');
    }
  });

  it('when no secret is configured, then every delivery is refused and the message says why', () => {
    const body = JSON.stringify(event());
    const err = rejection(() => provider.verifyWebhook(Buffer.from(body), sign(body, SECRET), []));
    expect(err.status).toBe(400);
    expect(err.code).toBe('webhook_signature_invalid');
    expect(err.message).toBe('Webhook signature verification failed: no webhook secret configured');
  });
});
