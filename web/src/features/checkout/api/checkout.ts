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
  /**
   * Opened from the order's signed link by a customer without an account (ADR 030): the page
   * offers nothing beyond this order, and sends them to the shop's success_url afterwards.
   */
  guest: boolean;
}

export type CheckoutLoad = { signedIn: true; data: CheckoutData } | { signedIn: false };

const orderPath = (orderId: string) => `/api/orders/${encodeURIComponent(orderId)}`;

export function fetchOrder(orderId: string, signal?: AbortSignal): Promise<Order> {
  return api.get<Order>(orderPath(orderId), signal ? { signal } : {});
}

/** The order as the current session sees it, or undefined when it cannot (another customer's). */
async function orderIfVisible(orderId: string, signal: AbortSignal): Promise<Order | undefined> {
  try {
    return await fetchOrder(orderId, signal);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403))
      return undefined;
    throw error;
  }
}

/**
 * Everything the page needs; Stripe.js starts loading as soon as the mode is known. A signed-in
 * customer's own order opens directly. Otherwise the link's `token` (checkout_url) opens a
 * session for this order only; without one, or for a customer who has an account, the visitor
 * is sent to sign in.
 */
export async function loadCheckout(
  orderId: string,
  token: string | null,
  signal: AbortSignal,
): Promise<CheckoutLoad> {
  const config = api.get<AppConfig>('/api/config', { signal }).then((value) => {
    // Warm-up only: the payment form reports a failure to load Stripe.js itself.
    getStripe(value).catch(() => undefined);
    return value;
  });
  // Awaited below only when the order opens; never an unhandled rejection otherwise.
  config.catch(() => undefined);
  let session = await api.get<Session>('/api/auth/session', { signal });
  setCsrfToken(session.csrf_token);
  // The order waits for the session: a signed-out visitor does not collect a 401 on the way.
  // Signed in without a link: the order must be theirs (a 404 shows as such). With a link, an
  // order this session cannot see is opened through the link instead.
  let order: Order | undefined;
  if (session.user)
    order = token ? await orderIfVisible(orderId, signal) : await fetchOrder(orderId, signal);
  if (!order) {
    if (!token) return { signedIn: false };
    // Someone signed in to their own account holds another customer's link: never switch their
    // browser to that customer behind their back (a card saved now would go to the wrong one).
    if (session.user && !session.checkout_order_id) throw linkForAnotherCustomer();
    try {
      session = await api.post<Session>('/api/checkout/sessions', { order_id: orderId, token });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'sign_in_required')
        return { signedIn: false };
      throw error;
    }
    setCsrfToken(session.csrf_token);
    order = await fetchOrder(orderId, signal);
  }
  const [configValue, cardsValue] = await Promise.all([
    config,
    api.get<PaymentMethodList>('/api/payment-methods', { signal }),
  ]);
  return {
    signedIn: true,
    data: {
      config: configValue,
      user: session.user!,
      order,
      cards: cardsValue.data,
      guest: Boolean(session.checkout_order_id),
    },
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

export const OTHER_CUSTOMER_LINK = 'checkout_link_other_customer';

function linkForAnotherCustomer(): ApiError {
  return new ApiError({
    status: 409,
    code: OTHER_CUSTOMER_LINK,
    message:
      'This checkout link is for another customer. Sign out of your account to open it, or ask the shop for a link of your own.',
  });
}
