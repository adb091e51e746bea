import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { CardField } from '../../../components/card-field';
import { SkeletonText } from '../../../components/skeleton';
import { useAppConfig } from '../../../lib/app-config';
import { useStripeLoader } from '../../../lib/stripe';
import type { PaymentMethod } from '../../../types/api';
import { useAddCard } from '../api/wallet';

interface Props {
  onCancel: () => void;
  onAdded: (card: PaymentMethod) => void;
}

export function AddCardPanel(props: Props) {
  const config = useAppConfig();
  const { stripe, error, retry } = useStripeLoader(config);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  return (
    <section className="panel add-card" aria-labelledby="add-card-heading">
      <h2 id="add-card-heading" ref={heading} tabIndex={-1}>
        Add a card
      </h2>
      {error ? (
        <>
          <ErrorAlert error={error} onRetry={retry} />
          <Button variant="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </>
      ) : stripe ? (
        <Elements stripe={stripe}>
          <AddCardForm {...props} />
        </Elements>
      ) : (
        <div role="status" className="add-card__loading">
          <span className="visually-hidden">Loading the secure card form…</span>
          <SkeletonText lines={2} />
        </div>
      )}
    </section>
  );
}

function AddCardForm({ onCancel, onAdded }: Props) {
  const stripe = useStripe();
  const elements = useElements();
  const addCard = useAddCard();
  const [cardError, setCardError] = useState<string>();
  const [complete, setComplete] = useState(false);
  const [ready, setReady] = useState(false);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const card = elements?.getElement(CardElement);
    if (!stripe || !card) return;
    if (!complete) {
      setCardError(
        (current) => current ?? 'Enter your card number, expiry date, CVC and postal code.',
      );
      card.focus();
      return;
    }
    // A decline or failed authentication is shown above the form (role="alert").
    addCard.mutate({ stripe, card }, { onSuccess: onAdded });
  }

  return (
    <form className="form" noValidate onSubmit={handleSubmit}>
      {addCard.error ? (
        <ErrorAlert error={addCard.error} title="The card could not be saved" />
      ) : null}
      <CardField
        error={cardError}
        onReady={() => {
          setReady(true);
          elements?.getElement(CardElement)?.focus();
        }}
        onChange={(event) => {
          setComplete(event.complete);
          setCardError(event.error?.message);
        }}
      />
      <p className="field__hint">
        Your card details go straight to Stripe, our payment processor; Paydeck never sees them.
      </p>
      <div className="form__actions">
        <Button type="submit" pending={addCard.isPending} disabled={!ready}>
          Save card
        </Button>
        <Button variant="secondary" onClick={onCancel} disabled={addCard.isPending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
