// Stripe.js, loaded only by the pages that collect cards (checkout, wallet). Card details are
// typed into Stripe's iframe and go from there to Stripe; Paydeck's server only ever sees pm_…,
// seti_… and pi_… ids.
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Stripe } from '@stripe/stripe-js';
import { useEffect, useState } from 'react';
import { ApiError } from './api-client';
import type { AppConfig } from './app-config';

let stripePromise: Promise<Stripe> | null = null;

const unavailable = () =>
  new ApiError({
    status: 0,
    code: 'stripe_unavailable',
    message: 'The secure card form could not be loaded. Check your connection and try again.',
  });

/**
 * One Stripe instance per page. In simulated mode the simulator's stand-in is loaded from the
 * configured URL first; it defines `window.Stripe`, which `loadStripe` then uses. In test and
 * live mode `loadStripe` loads Stripe's own script from js.stripe.com.
 */
export function getStripe(config: AppConfig): Promise<Stripe> {
  stripePromise ??= (
    config.mode === 'simulated' ? loadScript(config.stripe_js_url) : Promise.resolve()
  )
    .then(() => loadStripe(config.publishable_key))
    .then((stripe) => {
      if (!stripe) throw unavailable();
      return stripe;
    })
    .catch((error: unknown) => {
      // A later attempt ("Try again", another visit) starts over instead of keeping the failure.
      stripePromise = null;
      throw error instanceof ApiError ? error : unavailable();
    });
  return stripePromise;
}

function loadScript(src: string): Promise<void> {
  if ('Stripe' in window) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.addEventListener('load', () => resolve(), { once: true });
    script.addEventListener(
      'error',
      () => {
        script.remove();
        reject(unavailable());
      },
      { once: true },
    );
    document.head.append(script);
  });
}

export interface StripeLoad {
  stripe: Stripe | null;
  error: unknown;
  retry: () => void;
}

/**
 * Loads Stripe.js for a component and reports failure as a value (so the page can say so and
 * offer "Try again") instead of an unhandled rejection inside `<Elements>`.
 */
export function useStripeLoader(config: AppConfig): StripeLoad {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<{ stripe: Stripe | null; error: unknown }>({
    stripe: null,
    error: null,
  });
  useEffect(() => {
    let current = true;
    getStripe(config).then(
      (stripe) => current && setState({ stripe, error: null }),
      (error: unknown) => current && setState({ stripe: null, error }),
    );
    return () => {
      current = false;
    };
  }, [config, attempt]);
  return {
    ...state,
    retry: () => {
      setState({ stripe: null, error: null });
      setAttempt((n) => n + 1);
    },
  };
}

/** A Stripe.js result error (decline, failed 3-D Secure, invalid card) as our one error type. */
export function fromStripeError(error: {
  type?: string;
  code?: string;
  message?: string;
}): ApiError {
  return new ApiError({
    status: error.type === 'validation_error' ? 400 : 402,
    code: error.code ?? 'card_error',
    message: error.message ?? 'Your card could not be used. Try another card.',
  });
}
