// Receiving Paydeck's webhooks on the merchant's backend. Paydeck signs every delivery following
// the Standard Webhooks specification (headers webhook-id, webhook-timestamp, webhook-signature;
// ADR 026), so this is the official `standardwebhooks` library plus Paydeck's event types: verify
// the raw body before trusting a byte of it, then switch on `type`.
//
//   app.post('/paydeck/webhooks', express.raw({ type: 'application/json' }), (req, res) => {
//     const event = verifyWebhook(req.body, req.headers, process.env.PAYDECK_WEBHOOK_SECRET!);
//     if (event.type === 'order.paid') markPaid(event.data.id);
//     res.sendStatus(204);
//   });
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** Every event type Paydeck sends (a test checks this list against the server's). */
export const PAYDECK_EVENT_TYPES = [
  'order.paid',
  'order.payment_failed',
  'order.requires_action',
  'order.canceled',
  'refund.succeeded',
  'refund.failed',
  'dispute.created',
  'dispute.closed',
  'customer.created',
  'customer.deleted',
] as const;
export type PaydeckEventType = (typeof PAYDECK_EVENT_TYPES)[number];

/**
 * A verified delivery: its id (the webhook-id header, the same as in GET /api/v1/events).
 */
export interface PaydeckWebhookEvent {
  id: string;
  type: PaydeckEventType;
  /** When the change happened (ISO 8601). */
  timestamp: string;
  /** The object as the merchant API shows it at the moment of the change. */
  data: Record<string, unknown> & { id: string };
}

/** The delivery was not signed by Paydeck with this secret, is too old, or is not an event. */
export class PaydeckWebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaydeckWebhookError';
  }
}

type HeaderValue = string | string[] | undefined | null;
type IncomingHeaders = Headers | Record<string, HeaderValue>;

function headerValue(headers: IncomingHeaders, name: string): string {
  const value =
    typeof (headers as Headers).get === 'function'
      ? (headers as Headers).get(name)
      : (headers as Record<string, HeaderValue>)[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * Verifies a delivery and returns its event, or throws PaydeckWebhookError. `payload` must be the
 * raw body exactly as received (a parsed and re-serialised body no longer matches its signature).
 * `secrets` may list several endpoint secrets (`whsec_…`), e.g. the new and the previous one while
 * your configuration catches up with a rotation; any one of them signing the delivery is enough.
 * Deliveries whose timestamp is more than five minutes from now are refused (replays).
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: IncomingHeaders,
  secrets: string | readonly string[],
): PaydeckWebhookEvent {
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  const signed = {
    'webhook-id': headerValue(headers, 'webhook-id'),
    'webhook-timestamp': headerValue(headers, 'webhook-timestamp'),
    'webhook-signature': headerValue(headers, 'webhook-signature'),
  };
  const candidates = typeof secrets === 'string' ? [secrets] : secrets;
  if (candidates.length === 0) throw new PaydeckWebhookError('No webhook secret given');
  let verified: unknown;
  let lastProblem = 'No matching signature found';
  for (const secret of candidates) {
    try {
      verified = new Webhook(secret).verify(body, signed);
      break;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      lastProblem = error.message;
    }
  }
  if (verified === undefined) throw new PaydeckWebhookError(lastProblem);
  const event = verified as Partial<Omit<PaydeckWebhookEvent, 'id'>>;
  if (
    typeof event.type !== 'string' ||
    typeof event.timestamp !== 'string' ||
    typeof event.data !== 'object' ||
    event.data === null
  ) {
    throw new PaydeckWebhookError('The signed body is not a Paydeck event {type, timestamp, data}');
  }
  return { id: signed['webhook-id'], ...(event as Omit<PaydeckWebhookEvent, 'id'>) };
}
