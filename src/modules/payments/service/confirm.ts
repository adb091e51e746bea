// Step 2 of a payment: create and confirm its PaymentIntent at Stripe, with the idempotency key
// stored on the payment row. Paying and re-driving an unconfirmed payment make the same call.
import { callProvider, type ProviderOutcome } from '../../../stripe/call-provider.ts';
import type { ConfirmOutcome, CreateIntentInput } from '../../../stripe/provider.ts';
import type { PaymentRow } from '../repository.ts';
import type { PaymentsDeps } from './deps.ts';

function intentInput(payment: PaymentRow, customerId: string): CreateIntentInput {
  return {
    amount: payment.amount,
    currency: payment.currency,
    customerId,
    paymentMethodId: payment.stripePaymentMethodId!,
    captureMethod: payment.captureMethod,
    offSession: payment.offSession,
    ...(payment.savePaymentMethod ? { setupFutureUsage: 'off_session' as const } : {}),
    metadata: {
      paydeck_payment_id: payment.id,
      paydeck_order_id: payment.orderId,
      ...(payment.savePaymentMethod ? { paydeck_save_payment_method: 'true' } : {}),
    },
  };
}

export function confirmIntent(
  deps: Pick<PaymentsDeps, 'provider'>,
  payment: PaymentRow,
  customerId: string,
): Promise<ProviderOutcome<ConfirmOutcome>> {
  return callProvider('payment_intents.create', payment.stripeIdempotencyKey, (key) =>
    deps.provider.createAndConfirmIntent(intentInput(payment, customerId), key),
  );
}
