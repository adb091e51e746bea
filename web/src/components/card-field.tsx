import { useId, useState } from 'react';
import { CardElement, useElements } from '@stripe/react-stripe-js';
import type { StripeCardElementChangeEvent, StripeCardElementOptions } from '@stripe/stripe-js';

// Matches the app's inputs (styles.css). Stripe styles the inside of its iframe from this object;
// the border and focus ring are ours, on the wrapper, driven by Stripe's StripeElement--* classes.
const OPTIONS: StripeCardElementOptions = {
  style: {
    base: {
      color: '#1b1f29',
      fontFamily:
        "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      fontSize: '16px',
      '::placeholder': { color: '#6b7280' },
      iconColor: '#4a5263',
    },
    invalid: { color: '#b42318', iconColor: '#b42318' },
  },
};

export interface CardFieldProps {
  label?: string;
  /** A message about the card (Stripe's validation, or a decline); shown under the field. */
  error?: string | undefined;
  onChange?: (event: StripeCardElementChangeEvent) => void;
  onReady?: () => void;
  disabled?: boolean;
}

/**
 * Stripe's card Element with a label and an error tied to it. The card number, expiry and CVC are
 * typed into Stripe's iframe: this page never sees them.
 */
export function CardField({
  label = 'Card details',
  error,
  onChange,
  onReady,
  disabled = false,
}: CardFieldProps) {
  const id = useId();
  const elements = useElements();
  const [ready, setReady] = useState(false);
  const labelId = `${id}-label`;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      {/* The inputs live in Stripe's iframe, so a <label for> cannot reach them; focus it on click. */}
      <span
        className="field__label"
        id={labelId}
        onClick={() => elements?.getElement(CardElement)?.focus()}
      >
        {label}
      </span>
      <div
        className={[
          'card-input',
          ready ? null : 'card-input--loading',
          error ? 'card-input--invalid' : null,
        ]
          .filter(Boolean)
          .join(' ')}
        role="group"
        aria-labelledby={labelId}
        aria-describedby={error ? errorId : undefined}
        aria-busy={!ready || undefined}
      >
        {ready ? null : <span className="skeleton card-input__skeleton" aria-hidden="true" />}
        <CardElement
          className="card-input__element"
          options={{ ...OPTIONS, disabled }}
          onReady={() => {
            setReady(true);
            onReady?.();
          }}
          onChange={onChange}
        />
      </div>
      {error ? (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
