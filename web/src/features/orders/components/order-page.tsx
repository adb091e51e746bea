import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { CardLabel } from '../../../components/card-label';
import { OrderItems } from '../../../components/order-items';
import { PageSkeleton } from '../../../components/skeleton';
import { StatusBadge } from '../../../components/status-badge';
import { ApiError } from '../../../lib/api-client';
import { formatDateTime } from '../../../lib/dates';
import { formatMoney } from '../../../lib/money';
import { isPayable } from '../../../types/api';
import type { Order, Payment } from '../../../types/api';
import { orderQuery, useCancelPayment } from '../api/orders';

/** No such order for this customer (or not an order id at all): asking again will not help. */
function isMissing(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 404 || (error.status === 400 && error.field === 'id'))
  );
}

export function OrderPage() {
  const { orderId = '' } = useParams();
  const [params] = useSearchParams();
  const order = useQuery(orderQuery(orderId));

  return (
    <div className="receipt">
      <title>{order.data ? `Order ${shortId(order.data.id)} · Paydeck` : 'Order · Paydeck'}</title>
      <p className="breadcrumb">
        <Link to="/orders">← All orders</Link>
      </p>
      {order.isPending ? <PageSkeleton label="Loading the order…" /> : null}
      {order.error && isMissing(order.error) ? (
        <>
          <title>Order not found · Paydeck</title>
          <h1>Order not found</h1>
          <p className="lead">
            There is no order at this address in your account. Check the link, or find it in your
            orders.
          </p>
          <p>
            <Link to="/orders" className="button button--primary">
              See your orders
            </Link>
          </p>
        </>
      ) : null}
      {order.error && !isMissing(order.error) ? (
        <>
          <h1>Order</h1>
          <ErrorAlert
            error={order.error}
            title="This order could not be loaded"
            onRetry={() => void order.refetch()}
          />
        </>
      ) : null}
      {order.data ? <Receipt order={order.data} justPaid={params.has('paid')} /> : null}
    </div>
  );
}

function shortId(id: string): string {
  return id.slice(0, 8).toUpperCase();
}

function Receipt({ order, justPaid }: { order: Order; justPaid: boolean }) {
  const succeeded = order.status === 'paid' || order.status === 'authorized';
  // Held here, not in the button: the button goes once the payment is canceled.
  const cancelPayment = useCancelPayment(order.id);
  return (
    <>
      {/* Refused because the payment went through meanwhile: the dialog went with the button. */}
      {cancelPayment.error && order.status !== 'requires_action' ? (
        <ErrorAlert error={cancelPayment.error} title="The payment was not canceled" />
      ) : null}
      {cancelPayment.isSuccess && order.status === 'open' ? (
        <Alert tone="success" live title="The payment was canceled">
          <p>Nothing was charged. You can pay this order again whenever you like.</p>
        </Alert>
      ) : null}
      {justPaid && succeeded ? (
        <Alert tone="success" live title="Thank you — your payment went through">
          <p>A receipt for {formatMoney(order.amount, order.currency)} is below.</p>
        </Alert>
      ) : null}
      <div className="receipt__head">
        <h1>Order {shortId(order.id)}</h1>
        <StatusBadge kind="order" status={order.status} />
      </div>
      <dl className="facts">
        <div>
          <dt>Placed</dt>
          <dd>
            <time dateTime={order.created_at}>{formatDateTime(order.created_at)}</time>
          </dd>
        </div>
        {order.paid_at ? (
          <div>
            <dt>Paid</dt>
            <dd>
              <time dateTime={order.paid_at}>{formatDateTime(order.paid_at)}</time>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Total</dt>
          <dd data-testid="order-total">{formatMoney(order.amount, order.currency)}</dd>
        </div>
        {order.amount_refunded > 0 ? (
          <div>
            <dt>Refunded</dt>
            <dd>{formatMoney(order.amount_refunded, order.currency)}</dd>
          </div>
        ) : null}
      </dl>

      {isPayable(order) ? (
        <Alert
          tone="info"
          title={
            order.status === 'requires_action'
              ? 'Your bank needs you to confirm this payment'
              : 'This order is not paid yet'
          }
        >
          <p className="actions">
            <a href={`/checkout/${order.id}`} className="button button--primary">
              Pay now
            </a>
            {order.status === 'requires_action' ? (
              <CancelPaymentButton cancel={cancelPayment} />
            ) : null}
          </p>
        </Alert>
      ) : null}

      <section className="panel" aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <OrderItems order={order} caption="Items in this order" />
      </section>

      <section className="panel" aria-labelledby="payments-heading">
        <h2 id="payments-heading">Payments</h2>
        {order.payments.length === 0 ? (
          <p className="muted">No payment attempts yet.</p>
        ) : (
          <ul className="list list--plain">
            {[...order.payments].reverse().map((payment) => (
              <PaymentRow key={payment.id} payment={payment} />
            ))}
          </ul>
        )}
      </section>

      {order.refunds.length > 0 ? (
        <section className="panel" aria-labelledby="refunds-heading">
          <h2 id="refunds-heading">Refunds</h2>
          <ul className="list list--plain">
            {order.refunds.map((refund) => (
              <li key={refund.id} className="list__row">
                <div className="list__main">
                  <span className="list__title">{formatMoney(refund.amount, refund.currency)}</span>
                  <span className="list__meta">
                    <time dateTime={refund.created_at}>{formatDateTime(refund.created_at)}</time>
                    {refund.failure_reason ? ` · ${refund.failure_reason}` : null}
                  </span>
                </div>
                <div className="list__side">
                  <StatusBadge kind="refund" status={refund.status} />
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

/**
 * A payment left waiting for the bank's check (the customer opened 3-D Secure and walked away):
 * the customer can give it up instead of leaving it hanging.
 */
function CancelPaymentButton({ cancel }: { cancel: ReturnType<typeof useCancelPayment> }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button
        type="button"
        className="button button--secondary"
        onClick={() => {
          cancel.reset();
          setConfirming(true);
        }}
      >
        Cancel this payment
      </button>
      {confirming ? (
        <ConfirmDialog
          title="Cancel this payment?"
          confirmLabel="Cancel payment"
          cancelLabel="Keep it"
          pending={cancel.isPending}
          error={cancel.error}
          errorTitle="The payment was not canceled"
          onCancel={() => setConfirming(false)}
          onConfirm={() => cancel.mutate()}
        >
          <p>
            Your bank&apos;s check is abandoned and nothing is charged. The order stays open: you
            can pay it later, with any card.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function PaymentRow({ payment }: { payment: Payment }) {
  // The card is recorded on the payment, so it is named even after it left the wallet.
  const { card } = payment;
  return (
    <li className="list__row" data-testid="receipt-payment">
      <div className="list__main">
        <span className="list__title">
          {card ? <CardLabel brand={card.brand} last4={card.last4} /> : 'Card'} ·{' '}
          {formatMoney(payment.amount, payment.currency)}
        </span>
        <span className="list__meta">
          <time dateTime={payment.created_at}>{formatDateTime(payment.created_at)}</time>
          {payment.off_session ? ' · charged automatically' : null}
        </span>
        {payment.failure_message ? (
          <span className="list__error">{payment.failure_message}</span>
        ) : null}
      </div>
      <div className="list__side">
        <StatusBadge kind="payment" status={payment.status} />
      </div>
    </li>
  );
}
