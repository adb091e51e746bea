import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { CardField } from '../../../components/card-field';
import { CardLabel, expiry } from '../../../components/card-label';
import { CheckboxField } from '../../../components/form-field';
import { SkeletonText } from '../../../components/skeleton';
import { ApiError, newIdempotencyKey } from '../../../lib/api-client';
import { formatMoney } from '../../../lib/money';
import { fromStripeError, useStripeLoader } from '../../../lib/stripe';
import type { Order, PayResponse } from '../../../types/api';
import { acceptCurrentTerms, fetchOrder, payOrder, syncOrder } from '../api/checkout';
import type { CheckoutData } from '../api/checkout';

const NEW_CARD = 'new';

type Phase = 'idle' | 'paying' | 'authenticating' | 'confirming' | 'waiting' | 'succeeded';

const PHASE_TEXT: Record<Exclude<Phase, 'idle'>, string> = {
  paying: 'Contacting your bank…',
  authenticating: 'Confirm the payment in the window from your bank.',
  confirming: 'Checking the result with your bank…',
  waiting: 'Your bank has not answered yet. Waiting for the result…',
  succeeded: 'Payment received. Opening your receipt…',
};

const SUCCEEDED = new Set(['paid', 'authorized']);
/** How long to follow a payment whose outcome is not known yet before handing over to the receipt. */
const WAIT_LIMIT_MS = 60_000;

interface Props {
  data: CheckoutData;
  onOrder: (order: Order) => void;
}

export function PaymentForm(props: Props) {
  const { stripe, error, retry } = useStripeLoader(props.data.config);
  if (error)
    return (
      <ErrorAlert error={error} title="The payment form could not be loaded" onRetry={retry} />
    );
  if (!stripe) {
    return (
      <div role="status" className="payment-form__loading">
        <span className="visually-hidden">Loading the secure payment form…</span>
        <SkeletonText lines={5} />
      </div>
    );
  }
  return (
    <Elements stripe={stripe}>
      <PaymentFormFields {...props} />
    </Elements>
  );
}

function PaymentFormFields({ data, onOrder }: Props) {
  const { order, cards } = data;
  const stripe = useStripe();
  const elements = useElements();
  const id = useId();
  const defaultCard = cards.find((card) => card.is_default) ?? cards[0];
  const [selected, setSelected] = useState<string>(defaultCard?.id ?? NEW_CARD);
  const [save, setSave] = useState(false);
  const [cardError, setCardError] = useState<string>();
  const [cardComplete, setCardComplete] = useState(false);
  const [cardReady, setCardReady] = useState(false);
  const [phase, setPhase] = useState<Phase>('idle');
  const [failure, setFailure] = useState<unknown>(null);
  const failureRef = useRef<HTMLDivElement>(null);
  const busy = phase !== 'idle';
  const newCard = selected === NEW_CARD;

  // A failure moves focus to its message, so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (failure) failureRef.current?.focus();
  }, [failure]);

  async function attempt(stripeInstance: Stripe, card: StripeCardElement | null): Promise<void> {
    let paymentMethodId = selected;
    if (newCard) {
      if (!card) throw paymentFailed('The card form is not ready yet. Try again in a moment.');
      // The card details go from Stripe's iframe to Stripe; we only receive the pm_… id.
      const created = await stripeInstance.createPaymentMethod({ type: 'card', card });
      if (created.error) throw fromStripeError(created.error);
      paymentMethodId = created.paymentMethod.id;
    }
    // A new key per attempt: trying another card is a new operation, not a replay.
    let result = await payOrder(
      order.id,
      { payment_method_id: paymentMethodId, ...(newCard ? { save_payment_method: save } : {}) },
      newIdempotencyKey(),
    );
    if (result.payment.status === 'requires_action' && result.payment.client_secret) {
      setPhase('authenticating');
      const action = await stripeInstance.handleNextAction({
        clientSecret: result.payment.client_secret,
      });
      setPhase('confirming');
      // Whatever happened in the challenge, the server records it before we show anything.
      result = await syncOrder(order.id);
      onOrder(result.order);
      if (action.error) throw fromStripeError(action.error);
    }
    await settle(result);
  }

  async function settle(result: PayResponse): Promise<void> {
    let current = result.order;
    const started = Date.now();
    // 202 (outcome unknown) or a payment still processing: follow the order until it settles.
    while (
      !SUCCEEDED.has(current.status) &&
      isPending(result, current) &&
      Date.now() - started < WAIT_LIMIT_MS
    ) {
      setPhase('waiting');
      await delay(1_500);
      current = await fetchOrder(order.id);
    }
    if (SUCCEEDED.has(current.status)) {
      setPhase('succeeded');
      // The shop's page when it gave one; else the receipt, or (without an account) the paid
      // order right here.
      if (current.success_url) window.location.assign(current.success_url);
      else if (!data.guest)
        window.location.assign(`/orders/${encodeURIComponent(order.id)}?paid=1`);
      else onOrder(current);
      return;
    }
    onOrder(current);
    if (isPending(result, current)) {
      throw paymentFailed(
        'Your bank has not confirmed the payment yet. Do not pay again: check the order page in a few minutes.',
      );
    }
    const latest = current.payments.find((payment) => payment.id === result.payment.id);
    throw paymentFailed(
      latest?.failure_message ??
        result.payment.failure_message ??
        'The payment did not go through. Try another card.',
    );
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!stripe || !elements || busy) return;
    const card = elements.getElement(CardElement);
    setFailure(null);
    if (newCard && !cardComplete) {
      setCardError(
        (current) => current ?? 'Enter your card number, expiry date, CVC and postal code.',
      );
      card?.focus();
      return;
    }
    setPhase('paying');
    attempt(stripe, card).then(
      () => undefined,
      (error: unknown) => {
        setPhase('idle');
        const apiError = ApiError.from(error);
        // Stripe's validation of the card fields is shown under the card field, the rest above Pay.
        if (newCard && apiError.status === 400 && apiError.code.startsWith('incomplete_')) {
          setCardError(apiError.message);
          card?.focus();
          return;
        }
        setFailure(apiError);
        // The order may have moved on (e.g. already paid in another tab): show its latest state.
        if (apiError.status === 409) fetchOrder(order.id).then(onOrder, () => undefined);
      },
    );
  }

  const amount = formatMoney(order.amount, order.currency);
  return (
    <form
      className="form payment-form"
      noValidate
      onSubmit={handleSubmit}
      aria-describedby={`${id}-amount`}
    >
      <p id={`${id}-amount`} className="payment-form__amount">
        Amount due: <strong data-testid="amount-due">{amount}</strong>
      </p>
      <fieldset className="choices" disabled={busy}>
        <legend className="field__label">Pay with</legend>
        {cards.map((card) => (
          <label key={card.id} className="choice">
            <input
              type="radio"
              name="payment_method"
              value={card.id}
              className="choice__input"
              checked={selected === card.id}
              onChange={() => setSelected(card.id)}
            />
            <span className="choice__text">
              <CardLabel brand={card.brand} last4={card.last4} />
              <span className="choice__meta">Expires {expiry(card.exp_month, card.exp_year)}</span>
            </span>
            {card.is_default ? <span className="status status--success">Default</span> : null}
          </label>
        ))}
        <label className="choice">
          <input
            type="radio"
            name="payment_method"
            value={NEW_CARD}
            className="choice__input"
            checked={newCard}
            onChange={() => {
              setSelected(NEW_CARD);
              elements?.getElement(CardElement)?.focus();
            }}
          />
          <span className="choice__text">New card</span>
        </label>
      </fieldset>

      {/* Kept mounted while a saved card is chosen, so switching back keeps what was typed. */}
      <div className="new-card" hidden={!newCard}>
        <CardField
          error={cardError}
          disabled={busy}
          onReady={() => setCardReady(true)}
          onChange={(event) => {
            setCardComplete(event.complete);
            setCardError(event.error?.message);
          }}
        />
        <CheckboxField
          name="save_payment_method"
          label="Save this card for later"
          hint={
            data.guest
              ? 'With your consent the shop can charge it for your later orders; Stripe keeps it, not the shop.'
              : 'It will appear in your wallet for future payments.'
          }
          checked={save}
          disabled={busy}
          onChange={(event) => setSave(event.currentTarget.checked)}
        />
      </div>

      {failure ? (
        <div ref={failureRef} tabIndex={-1} className="payment-form__failure">
          {failure instanceof ApiError && failure.code === 'terms_not_accepted' ? (
            <TermsChanged
              message={failure.message}
              firstTime={data.guest}
              onAccepted={() => setFailure(null)}
            />
          ) : (
            <ErrorAlert error={failure} title="Your payment did not go through" />
          )}
        </div>
      ) : null}
      <p className="payment-form__progress" role="status">
        {phase === 'idle' ? '' : PHASE_TEXT[phase]}
      </p>
      <Button
        type="submit"
        className="button--block"
        pending={busy}
        disabled={!stripe || (newCard && !cardReady)}
      >
        Pay {amount}
      </Button>
      <p className="field__hint payment-form__note">
        Card details are sent straight to Stripe, our payment processor; Paydeck never sees them.
      </p>
    </form>
  );
}

/** The Terms changed since this customer accepted them: read, accept, then pay. */
function TermsChanged({
  message,
  firstTime,
  onAccepted,
}: {
  message: string;
  /** A customer without an account (checkout link) accepts them for the first time. */
  firstTime: boolean;
  onAccepted: () => void;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Alert
      tone="info"
      live
      title={
        firstTime ? 'Please accept our Terms of Service' : 'Please accept our new Terms of Service'
      }
    >
      <p>
        {message}{' '}
        <a href="/legal/terms" target="_blank" rel="noreferrer">
          Read the Terms of Service
        </a>
        .
      </p>
      {error ? <p role="alert">{error.message}</p> : null}
      <Button
        type="button"
        variant="secondary"
        pending={pending}
        onClick={() => {
          setPending(true);
          setError(null);
          acceptCurrentTerms().then(onAccepted, (e: unknown) => {
            setPending(false);
            setError(ApiError.from(e));
          });
        }}
      >
        Accept the Terms
      </Button>
    </Alert>
  );
}

function isPending(result: PayResponse, order: Order): boolean {
  if (order.status === 'processing') return true;
  const payment = order.payments.find((candidate) => candidate.id === result.payment.id);
  return ['creating', 'unknown', 'processing'].includes(payment?.status ?? result.payment.status);
}

function paymentFailed(message: string): ApiError {
  return new ApiError({ status: 402, code: 'payment_failed', message });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}
