// The SDK's webhook verifier (packages/client/src/webhooks.ts): a delivery signed the way Paydeck
// signs it (the official standardwebhooks library, ADR 026) is accepted; anything else is refused.
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  PAYDECK_EVENT_TYPES,
  PaydeckWebhookError,
  verifyWebhook,
} from '../../packages/client/src/index.ts';
import { MERCHANT_EVENT_TYPES } from '../../src/modules/merchant-webhooks/service.ts';

const secret = `whsec_${Buffer.from('a secret of the test endpoint, 32b').toString('base64')}`;
const otherSecret = `whsec_${Buffer.from('another endpoint secret, 32 bytes').toString('base64')}`;
const body = JSON.stringify({
  type: 'order.paid',
  timestamp: '2026-12-02T00:00:00.000Z',
  data: { id: 'ord_123', status: 'paid', amount: 4200 },
});

function signed(payload: string, options: { secrets?: string[]; at?: Date } = {}) {
  const at = options.at ?? new Date();
  const signatures = (options.secrets ?? [secret])
    .map((s) => new Webhook(s).sign('msg_1', at, payload))
    .join(' ');
  return {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures,
  };
}

describe('verifyWebhook', () => {
  it('when the delivery is signed with the secret, then it returns the event with its id', () => {
    const event = verifyWebhook(body, signed(body), secret);
    expect(event).toEqual({
      id: 'msg_1',
      type: 'order.paid',
      timestamp: '2026-12-02T00:00:00.000Z',
      data: { id: 'ord_123', status: 'paid', amount: 4200 },
    });
  });

  it('when the headers come as a fetch Headers object and the body as bytes, then it verifies too', () => {
    const event = verifyWebhook(new TextEncoder().encode(body), new Headers(signed(body)), secret);
    expect(event.type).toBe('order.paid');
  });

  it('when a header arrives as an array (Node), then its first value is used', () => {
    const headers = signed(body);
    const event = verifyWebhook(
      body,
      { ...headers, 'webhook-signature': [headers['webhook-signature']] },
      secret,
    );
    expect(event.id).toBe('msg_1');
  });

  it('when the body was changed after signing, then it is refused', () => {
    const headers = signed(body);
    expect(() => verifyWebhook(body.replace('4200', '1'), headers, secret)).toThrow(
      PaydeckWebhookError,
    );
  });

  it('when another secret signed it, then it is refused', () => {
    expect(() => verifyWebhook(body, signed(body, { secrets: [otherSecret] }), secret)).toThrow(
      PaydeckWebhookError,
    );
  });

  it('when several secrets are given and one of them signed it, then it verifies (a rotation)', () => {
    const event = verifyWebhook(body, signed(body, { secrets: [otherSecret] }), [
      secret,
      otherSecret,
    ]);
    expect(event.type).toBe('order.paid');
  });

  it('when Paydeck signed with both the old and the new secret, then either one verifies', () => {
    const headers = signed(body, { secrets: [secret, otherSecret] });
    expect(verifyWebhook(body, headers, secret).id).toBe('msg_1');
    expect(verifyWebhook(body, headers, otherSecret).id).toBe('msg_1');
  });

  it('when the timestamp is ten minutes old, then it is refused as a replay', () => {
    const at = new Date(Date.now() - 10 * 60_000);
    expect(() => verifyWebhook(body, signed(body, { at }), secret)).toThrow(/timestamp/i);
  });

  it('when a header is missing, then it is refused', () => {
    const { 'webhook-signature': _dropped, ...headers } = signed(body);
    expect(() => verifyWebhook(body, headers, secret)).toThrow(PaydeckWebhookError);
  });

  it('when no secret is given, then it says so', () => {
    expect(() => verifyWebhook(body, signed(body), [])).toThrow('No webhook secret given');
  });

  it('when a signed body is not an event, then it is refused', () => {
    const notAnEvent = JSON.stringify({ type: 'order.paid', data: null });
    expect(() => verifyWebhook(notAnEvent, signed(notAnEvent), secret)).toThrow(
      /not a Paydeck event/,
    );
  });

  it('lists exactly the event types the server sends', () => {
    expect([...PAYDECK_EVENT_TYPES]).toEqual([...MERCHANT_EVENT_TYPES]);
  });
});
