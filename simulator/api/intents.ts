// Rules PaymentIntents and SetupIntents share: the publishable-key client secret, the
// automatic-payment-methods `return_url` rule, 3DS next actions, and which payment method a
// confirmation uses.
import { timingSafeEqual } from 'node:crypto';
import { SimError, aboutIntent, invalidRequest } from '../errors.ts';
import { bool, obj, str, strArray, type Params } from '../params.ts';
import type { Ctx } from '../sim.ts';
import type { Route } from '../router.ts';
import type { PaymentIntent, PaymentMethod, SetupIntent } from '../types.ts';
import { clone, newId } from '../util.ts';
import {
  cardOf,
  checkReusable,
  createPaymentMethod,
  isSetUp,
  resolvePaymentMethod,
} from './payment-methods.ts';

type Intent = PaymentIntent | SetupIntent;

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** With a publishable key, Stripe.js must present the intent's client secret. */
export function checkClientSecret(ctx: Ctx, intent: Intent, params: Params): void {
  if (!ctx.publishable) return;
  const secret = str(params, 'client_secret');
  if (!secret) {
    throw invalidRequest('You must provide a client_secret to use a publishable key here.', {
      param: 'client_secret',
      code: 'parameter_missing',
    });
  }
  if (!sameSecret(secret, intent.client_secret)) {
    throw invalidRequest(
      `The client_secret provided does not match the client_secret associated with the ${intent.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent'}.`,
      { param: 'client_secret', code: 'resource_missing', status: 404 },
    );
  }
}

export interface PaymentMethodSettings {
  allowed_payment_method_types: string[] | null;
  payment_method_types: string[];
  automatic_payment_methods: { enabled: boolean; allow_redirects: string } | null;
}

/** Payment method types that never redirect the customer away from the page. */
const NO_REDIRECT = new Set(['card', 'link']);

/**
 * Which payment methods an intent accepts. API 2026-09-30.endive (the SDK's pinned version)
 * replaced the `payment_method_types` parameter with `allowed_payment_method_types`; older
 * versions (and stripe-test-cards.md) use `payment_method_types`, which is still accepted here.
 * With neither, automatic payment methods are on (Stripe's default). Only cards are simulated.
 */
export function paymentMethodSettings(params: Params): PaymentMethodSettings | undefined {
  const legacy = strArray(params, 'payment_method_types');
  const allowed = strArray(params, 'allowed_payment_method_types');
  const apm = obj(params, 'automatic_payment_methods');
  if (legacy && (apm || allowed)) {
    throw invalidRequest(
      'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
      { param: 'payment_method_types' },
    );
  }
  for (const t of legacy ?? allowed ?? []) {
    if (!/^[a-z_]+$/.test(t)) {
      throw invalidRequest(`Invalid payment method type: ${t}`, {
        param: legacy ? 'payment_method_types' : 'allowed_payment_method_types',
      });
    }
  }
  if (legacy) {
    if (!legacy.includes('card')) {
      throw invalidRequest('The simulator supports the "card" payment method type only.', {
        param: 'payment_method_types',
        code: 'payment_method_type_invalid',
      });
    }
    return {
      allowed_payment_method_types: null,
      payment_method_types: ['card'],
      automatic_payment_methods: null,
    };
  }
  if (!allowed && !apm) return undefined;
  const enabled = apm ? bool(apm, 'enabled') !== false : true;
  const allowRedirects = (apm?.allow_redirects as string | undefined) ?? 'always';
  if (!['always', 'never'].includes(allowRedirects)) {
    throw invalidRequest('Invalid automatic_payment_methods[allow_redirects]', {
      param: 'automatic_payment_methods[allow_redirects]',
    });
  }
  return {
    allowed_payment_method_types: allowed ?? null,
    payment_method_types: ['card'],
    automatic_payment_methods: enabled ? { enabled: true, allow_redirects: allowRedirects } : null,
  };
}

/** Automatic payment methods come from the account's (one, simulated) configuration. */
export function configurationDetails(
  settings: PaymentMethodSettings,
): { id: string; parent: null } | null {
  return settings.automatic_payment_methods
    ? { id: 'pmc_simulatorDefault00000', parent: null }
    : null;
}

export const DEFAULT_SETTINGS: PaymentMethodSettings = {
  allowed_payment_method_types: null,
  payment_method_types: ['card'],
  automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
};

/**
 * Automatic payment methods may redirect, so a server-side confirmation needs a `return_url`
 * unless redirects were turned off or only non-redirecting types are allowed (Stripe.js, with a
 * publishable key, handles next actions itself).
 */
export function checkReturnUrl(ctx: Ctx, intent: Intent, returnUrl: string | undefined): void {
  const apm = intent.automatic_payment_methods;
  if (ctx.publishable || returnUrl || !apm?.enabled || apm.allow_redirects === 'never') return;
  const allowed = intent.allowed_payment_method_types;
  if (allowed && allowed.every((t) => NO_REDIRECT.has(t))) return;
  const kind = intent.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent';
  throw invalidRequest(
    `This ${kind} is configured to accept payment methods enabled in your Dashboard. Because ` +
      'some of these payment methods might redirect your customer off of your page, you must ' +
      "provide a `return_url`. If you don't want to accept redirect-based payment methods, set " +
      '`automatic_payment_methods[enabled]` to `true` and ' +
      '`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and ' +
      'Payment Intents.',
    { param: 'return_url' },
  );
}

/** `off_session`: a boolean, or (since endive) `one_off` / `recurring`. */
export function offSessionOf(params: Params): boolean | undefined {
  const v = params.off_session;
  if (v === undefined || v === '') return undefined;
  if (v === 'one_off' || v === 'recurring') return true;
  return bool(params, 'off_session');
}

/**
 * A PaymentMethod given to an intent by id. Like Stripe, one that was detached from a customer
 * (or used without one) is refused: it may not be used again.
 */
export function usablePaymentMethod(ctx: Ctx, id: string, param = 'payment_method'): PaymentMethod {
  const pm = resolvePaymentMethod(ctx, id, param);
  checkReusable(ctx, pm, param);
  return pm;
}

/**
 * The payment method a confirmation uses: given by id, given as card details, or already set
 * (checked again: it may have been detached since).
 */
export function confirmationPaymentMethod(
  ctx: Ctx,
  intent: Intent,
  params: Params,
): PaymentMethod | null {
  const data = obj(params, 'payment_method_data');
  if (data) return createPaymentMethod(ctx, data);
  const id = str(params, 'payment_method') ?? intent.payment_method;
  return id ? usablePaymentMethod(ctx, id) : null;
}

/** Does this card need a 3DS challenge for this confirmation? */
export function needsChallenge(ctx: Ctx, intent: Intent, pm: PaymentMethod): boolean {
  if (ctx.sim.store.internal.authenticated[intent.id]) return false;
  const threeDS = cardOf(ctx, pm).threeDS ?? 'none';
  const options = intent.payment_method_options as {
    card?: { request_three_d_secure?: string };
  } | null;
  if (options?.card?.request_three_d_secure === 'any' && threeDS !== 'none') return true;
  if (threeDS === 'always') return true;
  return threeDS === 'unless_set_up' && !isSetUp(ctx, pm);
}

/** How the card authenticated when no challenge was needed (for charge details). */
export function silentThreeDS(ctx: Ctx, pm: PaymentMethod): 'frictionless' | undefined {
  const threeDS = cardOf(ctx, pm).threeDS;
  return threeDS === 'frictionless' || threeDS === 'optional' ? 'frictionless' : undefined;
}

/** The README contract: Stripe.js-style `use_stripe_sdk`, or a redirect when a return_url was given. */
export function nextActionFor(
  ctx: Ctx,
  intentId: string,
  returnUrl: string | undefined,
): Record<string, unknown> {
  const page = `${ctx.sim.baseUrl}/_sim/3ds/${intentId}`;
  if (returnUrl) {
    return {
      type: 'redirect_to_url',
      redirect_to_url: {
        url: `${page}?return_url=${encodeURIComponent(returnUrl)}`,
        return_url: returnUrl,
      },
    };
  }
  return {
    type: 'use_stripe_sdk',
    use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: page, source: newId('src') },
  };
}

/**
 * Wraps a route on one intent: errors carry the intent, as on Stripe (never to a
 * publishable-key caller). Shared by PaymentIntents and SetupIntents.
 */
export function intentRoute<T extends PaymentIntent | SetupIntent>(
  kind: 'payment_intent' | 'setup_intent',
  get: (ctx: Ctx, id: string) => T,
) {
  return (fn: (ctx: Ctx, intent: T, params: Params) => T): Route['handler'] =>
    (ctx, params, { id }) => {
      const intent = get(ctx, id!);
      try {
        return fn(ctx, intent, params);
      } catch (e) {
        if (!(e instanceof SimError) || ctx.publishable) throw e;
        throw aboutIntent(e, kind, clone(intent));
      }
    };
}
