import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { CardLabel, expiry } from '../../../components/card-label';
import { OrderItems } from '../../../components/order-items';
import { PageSkeleton } from '../../../components/skeleton';
import { StatusBadge } from '../../../components/status-badge';
import { formatDateTime } from '../../../lib/dates';
import { formatMoney } from '../../../lib/money';
import type { PaymentDetail } from '../../../types/admin';
import { paymentDetailQuery } from '../api/payments';
import { humanize, Id } from './console-ui';
import { OrderActions } from './order-actions';
import { PaymentTimeline } from './payment-timeline';

export function PaymentDetailPage() {
  const { paymentId = '' } = useParams();
  const detail = useQuery(paymentDetailQuery(paymentId));
  return (
    <div>
      <title>Payment · Console · Paydeck</title>
      <p className="breadcrumb">
        <Link to="/console/payments">← All payments</Link>
      </p>
      {detail.isPending ? <PageSkeleton label="Loading the payment…" /> : null}
      {detail.error ? (
        <>
          <h1>Payment</h1>
          <ErrorAlert
            error={detail.error}
            title="This payment could not be loaded"
            onRetry={() => void detail.refetch()}
          />
        </>
      ) : null}
      {detail.data ? <Detail detail={detail.data} /> : null}
    </div>
  );
}

function Detail({ detail }: { detail: PaymentDetail }) {
  const { payment, order, customer, refunds, timeline } = detail;
  const { card } = payment;
  return (
    <>
      <div className="receipt__head">
        <h1>Payment of {formatMoney(payment.amount, payment.currency)}</h1>
        <StatusBadge kind="payment" status={payment.status} />
      </div>

      <section className="panel" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl className="facts facts--grid">
          <Fact term="Amount">{formatMoney(payment.amount, payment.currency)}</Fact>
          <Fact term="Captured">{formatMoney(payment.amount_captured, payment.currency)}</Fact>
          <Fact term="Refunded">{formatMoney(payment.amount_refunded, payment.currency)}</Fact>
          <Fact term="Payment status">
            <StatusBadge kind="payment" status={payment.status} />
          </Fact>
          <Fact term="Order status">
            <StatusBadge kind="order" status={order.status} />
          </Fact>
          <Fact term="Card">
            {card ? (
              <>
                <CardLabel brand={card.brand} last4={card.last4} />
                {card.exp_month && card.exp_year ? (
                  <span className="cell-note">Expires {expiry(card.exp_month, card.exp_year)}</span>
                ) : null}
              </>
            ) : (
              // Stripe has not reported the card yet (or the payment predates recording it).
              <span className="muted">Not known yet</span>
            )}
          </Fact>
          <Fact term="Created">
            <time dateTime={payment.created_at}>{formatDateTime(payment.created_at)}</time>
          </Fact>
          <Fact term="Capture">
            {humanize(payment.capture_method)}
            {payment.off_session ? ' · off-session' : ''}
          </Fact>
          <Fact term="Payment id">
            <Id>{payment.id}</Id>
          </Fact>
          <Fact term="Order id">
            <Id>{order.id}</Id>
          </Fact>
          <Fact term="Stripe PaymentIntent">
            <Id>{payment.stripe_payment_intent_id}</Id>
          </Fact>
          {payment.decline_code || payment.failure_code ? (
            <Fact term="Decline">
              <code>{payment.decline_code ?? payment.failure_code}</code>
              {payment.failure_message ? (
                <span className="cell-note">{payment.failure_message}</span>
              ) : null}
            </Fact>
          ) : null}
          {payment.disputed ? <Fact term="Dispute">Disputed by the cardholder</Fact> : null}
        </dl>
      </section>

      <OrderActions order={order} payment={payment} />

      <section className="panel" aria-labelledby="customer-heading">
        <h2 id="customer-heading">Customer</h2>
        {customer ? (
          <dl className="facts facts--grid">
            <Fact term="Name">{customer.name}</Fact>
            <Fact term="Email">{customer.email}</Fact>
            <Fact term="Customer id">
              <Id>{customer.id}</Id>
            </Fact>
            <Fact term="Payments">
              <Link to={`/console/payments?email=${encodeURIComponent(customer.email)}`}>
                All payments by this customer
              </Link>
            </Fact>
          </dl>
        ) : (
          <p className="muted">
            The customer deleted their account; financial records are kept without their details.
          </p>
        )}
      </section>

      <section className="panel" aria-labelledby="items-heading">
        <h2 id="items-heading">Order items</h2>
        <OrderItems order={order} caption="Items in this order" />
      </section>

      <section className="panel" aria-labelledby="refunds-heading">
        <h2 id="refunds-heading">Refunds</h2>
        {refunds.length === 0 ? (
          <p className="muted">No refunds.</p>
        ) : (
          <ul className="list list--plain">
            {refunds.map((refund) => (
              <li key={refund.id} className="list__row" data-testid="refund">
                <div className="list__main">
                  <span className="list__title">{formatMoney(refund.amount, refund.currency)}</span>
                  <span className="list__meta">
                    <time dateTime={refund.created_at}>{formatDateTime(refund.created_at)}</time>
                    {refund.reason ? ` · ${humanize(refund.reason)}` : null}
                    {refund.stripe_refund_id ? (
                      <>
                        {' · '}
                        <Id>{refund.stripe_refund_id}</Id>
                      </>
                    ) : null}
                  </span>
                  {refund.failure_reason ? (
                    <span className="list__error">{refund.failure_reason}</span>
                  ) : null}
                </div>
                <div className="list__side">
                  <StatusBadge kind="refund" status={refund.status} />
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <PaymentTimeline entries={timeline} />
    </>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
