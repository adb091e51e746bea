// The checkout page is its own small app (no router, no query cache: see web/checkout.html), so
// it talks to the server through plain calls on the one API client.
import { ApiError, api, setCsrfToken } from '../../../lib/api-client';
import type { AppConfig } from '../../../lib/app-config';
import type { Session, User } from '../../../lib/session';
import { getStripe } from '../../../lib/stripe';
import type {
  JsonBody,
  LegalDocument,
  Order,
  PayResponse,
  PaymentMethod,
  PaymentMethodList,
} from '../../../types/api';

export interface CheckoutData {
  config: AppConfig;
  user: User;
  order: Order;
  cards: PaymentMethod[];
}

export type CheckoutLoad = { signedIn: true; data: CheckoutData } | { signedIn: false };

const orderPath = (orderId: string) => `/api/orders/${encodeURIComponent(orderId)}`;

export function fetchOrder(orderId: string, signal?: AbortSignal): Promise<Order> {
  return api.get<Order>(orderPath(orderId), signal ? { signal } : {});
}

/** Everything the page needs, fetched in parallel; Stripe.js starts loading as soon as the mode is known. */
export async function loadCheckout(orderId: string, signal: AbortSignal): Promise<CheckoutLoad> {
  const config = api.get<AppConfig>('/api/config', { signal }).then((value) => {
    // Warm-up only: the payment form reports a failure to load Stripe.js itself.
    getStripe(value).catch(() => undefined);
    return value;
  });
  const session = api.get<Session>('/api/auth/session', { signal }).then((value) => {
    setCsrfToken(value.csrf_token);
    return value;
  });
  // Awaited below only when signed in; never an unhandled rejection otherwise.
  config.catch(() => undefined);
  // The order and cards wait for the session: a signed-out visitor goes to sign in without
  // two 401s on the way. The configuration (and so Stripe.js) loads meanwhile.
  const { user } = await session;
  if (!user) return { signedIn: false };
  const [configValue, orderValue, cardsValue] = await Promise.all([
    config,
    fetchOrder(orderId, signal),
    api.get<PaymentMethodList>('/api/payment-methods', { signal }),
  ]);
  return {
    signedIn: true,
    data: { config: configValue, user, order: orderValue, cards: cardsValue.data },
  };
}

export type PayInput = JsonBody<'payOrder'>;

/** One attempt = one Idempotency-Key: a retried request replays, a new attempt gets a new key. */
export function payOrder(
  orderId: string,
  input: PayInput,
  idempotencyKey: string,
): Promise<PayResponse> {
  return api.post<PayResponse>(`${orderPath(orderId)}/pay`, input, { idempotencyKey });
}

/** After 3-D Secure in the browser: the server asks Stripe and records the outcome. */
export function syncOrder(orderId: string): Promise<PayResponse> {
  return api.post<PayResponse>(`${orderPath(orderId)}/sync`, {});
}

/** Signs out of this browser; already signed out (401) counts as done. */
export async function signOut(): Promise<void> {
  try {
    // An empty object rather than no body: the route validates a JSON object.
    await api.post<void>('/api/auth/logout', {});
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  setCsrfToken(null);
}

/** Accepts the current Terms of Service (asked again after they change, before the next payment). */
export async function acceptCurrentTerms(): Promise<void> {
  const terms = await api.get<LegalDocument>('/api/legal/terms');
  await api.post('/api/legal/terms/accept', { version: terms.version });
}
