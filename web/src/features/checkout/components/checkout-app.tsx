import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { ModeNotice } from '../../../components/mode-notice';
import { OrderItems } from '../../../components/order-items';
import { Skeleton, SkeletonText } from '../../../components/skeleton';
import { StatusBadge } from '../../../components/status-badge';
import type { StripeMode } from '../../../lib/app-config';
import { ApiError } from '../../../lib/api-client';
import { loginPath, signedOutPath } from '../../../lib/redirect';
import type { User } from '../../../lib/session';
import { isPayable } from '../../../types/api';
import type { Order } from '../../../types/api';
import { OTHER_CUSTOMER_LINK, fetchOrder, loadCheckout, signOut } from '../api/checkout';
import type { CheckoutData } from '../api/checkout';
import { PaymentForm } from './payment-form';

type State =
  { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'ready'; data: CheckoutData };

/** The order id from /checkout/:orderId. */
function orderIdFromPath(pathname: string): string {
  return decodeURIComponent(pathname.replace(/^\/checkout\/?/, '').split('/')[0] ?? '');
}

/** The signed link's token (checkout_url), taken out of the address bar once read. */
function takeLinkToken(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    url.searchParams.delete('token');
    // Not left in the history or a bookmark: the session it opens is the browser's own now.
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return token;
}

export function CheckoutApp() {
  const [orderId] = useState(() => orderIdFromPath(window.location.pathname));
  const [token] = useState(takeLinkToken);
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    loadCheckout(orderId, token, controller.signal).then(
      (result) => {
        if (!result.signedIn) {
          window.location.replace(loginPath(window.location.pathname));
          return;
        }
        setState({ kind: 'ready', data: result.data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ kind: 'failed', error });
      },
    );
    return () => controller.abort();
  }, [orderId, token, attempt]);

  const setOrder = useCallback(
    (order: Order) =>
      setState((current) =>
        current.kind === 'ready' ? { kind: 'ready', data: { ...current.data, order } } : current,
      ),
    [],
  );

  if (state.kind === 'loading') return <CheckoutSkeleton guest={token !== null} />;
  if (state.kind === 'failed') {
    return (
      <Shell mode={null} user={null} guest={token !== null}>
        <title>Checkout · Paydeck</title>
        <h1>Checkout</h1>
        <ErrorAlert
          error={state.error}
          title="This order could not be opened"
          onRetry={() => {
            setState({ kind: 'loading' });
            setAttempt((n) => n + 1);
          }}
        />
        {token === null ? (
          <p>
            <a href="/orders">See your orders</a>
          </p>
        ) : null}
        {token !== null &&
        state.error instanceof ApiError &&
        state.error.code === OTHER_CUSTOMER_LINK ? (
          <SignOutAndOpen token={token} />
        ) : null}
      </Shell>
    );
  }
  const { data } = state;
  return (
    <Shell mode={data.config.mode} user={data.user} guest={data.guest}>
      <CheckoutPage data={data} onOrder={setOrder} />
    </Shell>
  );
}

function CheckoutPage({ data, onOrder }: { data: CheckoutData; onOrder: (order: Order) => void }) {
  const { order } = data;
  return (
    <>
      <title>Checkout · Paydeck</title>
      <h1>Checkout</h1>
      <div className="checkout">
        <section className="panel checkout__summary" aria-labelledby="summary-heading">
          <div className="panel__head">
            <h2 id="summary-heading">Order summary</h2>
            <StatusBadge kind="order" status={order.status} />
          </div>
          <OrderItems order={order} caption="Items in this order" />
        </section>
        <section className="panel checkout__payment" aria-labelledby="payment-heading">
          <h2 id="payment-heading">Payment</h2>
          {isPayable(order) ? (
            <PaymentForm data={data} onOrder={onOrder} />
          ) : (
            <NotPayable order={order} guest={data.guest} onOrder={onOrder} />
          )}
          {order.cancel_url && isPayable(order) ? (
            <p className="checkout__cancel">
              <a href={order.cancel_url}>Cancel and return to the shop</a>
            </p>
          ) : null}
        </section>
      </div>
    </>
  );
}

/** Paid, canceled, or a payment still settling: say so, and follow a settling payment to its end. */
function NotPayable({
  order,
  guest,
  onOrder,
}: {
  order: Order;
  guest: boolean;
  onOrder: (order: Order) => void;
}) {
  const settling = order.status === 'processing';
  useEffect(() => {
    if (!settling) return;
    const timer = window.setInterval(() => {
      fetchOrder(order.id).then(onOrder, () => undefined);
    }, 2_000);
    return () => window.clearInterval(timer);
  }, [settling, order.id, onOrder]);

  if (settling) {
    return (
      <Alert tone="info" live title="Your payment is being processed">
        <p>This page updates by itself when your bank answers.</p>
      </Alert>
    );
  }
  if (order.status === 'canceled') {
    return (
      <Alert tone="info" title="This order was canceled">
        {guest ? null : (
          <p>
            <a href="/shop">Start a new order</a>
          </p>
        )}
      </Alert>
    );
  }
  return (
    <Alert tone="success" title="This order is paid">
      {guest ? <p>A receipt is on its way to your email address.</p> : null}
      <p>
        {order.success_url ? (
          <a href={order.success_url} className="button button--primary">
            Return to the shop
          </a>
        ) : guest ? null : (
          <a href={`/orders/${order.id}`} className="button button--primary">
            See the receipt
          </a>
        )}
      </p>
    </Alert>
  );
}

/** The main app's frame, without its router: plain links lead back to it. */
function Shell({
  mode,
  user,
  guest,
  children,
}: {
  mode: StripeMode | null;
  user: User | null;
  /** Opened from a checkout link: there is no account to navigate. */
  guest: boolean;
  children: ReactNode;
}) {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {mode ? <ModeNotice mode={mode} /> : null}
      <header className="header">
        <div className="header__inner">
          <a href="/" className="brand">
            <span className="brand__mark" aria-hidden="true">
              P
            </span>
            Paydeck
          </a>
          {guest ? null : (
            <nav className="nav" aria-label="Main">
              <a href="/shop" className="nav__link">
                Shop
              </a>
              <a href="/orders" className="nav__link">
                Orders
              </a>
              <a href="/wallet" className="nav__link">
                Wallet
              </a>
              <a href="/account" className="nav__link">
                Account
              </a>
            </nav>
          )}
          <div className="header__account">
            {user ? (
              <>
                <span className="header__user" title={user.email}>
                  <span className="visually-hidden">{guest ? 'Paying as ' : 'Signed in as '}</span>
                  {user.name || user.email}
                </span>
                <CheckoutSignOut />
              </>
            ) : (
              <Skeleton size="name" />
            )}
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <div className="footer__inner">
          <span>© Paydeck · Payments processed by Stripe</span>
          <nav aria-label="Legal" className="footer__nav">
            <a href="/legal/terms">Terms of Service</a>
            <a href="/legal/privacy">Privacy Policy</a>
          </nav>
        </div>
      </footer>
    </div>
  );
}

/** The app's "Sign out", without its query cache: sign out, then the sign-in page says so. */
function CheckoutSignOut() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <>
      <Button
        variant="quiet"
        pending={pending}
        onClick={() => {
          setPending(true);
          setError(null);
          signOut().then(
            () => window.location.assign(signedOutPath),
            (failure: unknown) => {
              setPending(false);
              setError(ApiError.from(failure));
            },
          );
        }}
      >
        Sign out
      </Button>
      {error ? (
        <span className="header__error" role="alert">
          Sign-out failed: {error.message}
        </span>
      ) : null}
    </>
  );
}

/** Shaped like the loaded page, so nothing moves when the order arrives. */
function CheckoutSkeleton({ guest }: { guest: boolean }) {
  return (
    <Shell mode={null} user={null} guest={guest}>
      <title>Checkout · Paydeck</title>
      <h1>Checkout</h1>
      <div className="checkout" role="status">
        <span className="visually-hidden">Loading your order…</span>
        <div className="panel checkout__summary">
          <Skeleton size="title" />
          <SkeletonText lines={4} />
        </div>
        <div className="panel checkout__payment">
          <Skeleton size="title" />
          <SkeletonText lines={5} />
        </div>
      </div>
    </Shell>
  );
}

/** Signs out of the account this browser holds, then opens the link it was given. */
function SignOutAndOpen({ token }: { token: string }) {
  const [pending, setPending] = useState(false);
  return (
    <p>
      <Button
        pending={pending}
        onClick={() => {
          setPending(true);
          signOut().then(
            () =>
              window.location.replace(
                `${window.location.pathname}?token=${encodeURIComponent(token)}`,
              ),
            () => setPending(false),
          );
        }}
      >
        Sign out and open this link
      </Button>
    </p>
  );
}
