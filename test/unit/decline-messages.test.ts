// What a customer is told for a lost or stolen card (src/modules/payments/declines.ts): to call
// their bank — without saying why — rather than the generic "try another card" first.
import { describe, expect, it } from 'vitest';
import { customerMessage, isSoftDecline } from '../../src/modules/payments/declines.ts';

describe('lost and stolen cards', () => {
  it.each(['lost_card', 'stolen_card'])(
    'when the card is declined as %s, then the customer is sent to their bank first',
    (declineCode) => {
      expect(customerMessage('card_declined', declineCode)).toBe(
        'Your card was declined. Contact your bank or use another card.',
      );
    },
  );

  it.each(['lost_card', 'stolen_card'])('a %s decline is never retried', (declineCode) => {
    expect(isSoftDecline('card_declined', declineCode)).toBe(false);
  });
});
