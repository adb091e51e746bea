import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { Skeleton } from '../../../components/skeleton';
import { StatusBadge } from '../../../components/status-badge';
import { formatMoney } from '../../../lib/money';
import { formatDateTime } from '../../../lib/dates';
import type { Order } from '../../../types/api';
import { ordersQuery } from '../api/orders';

export function OrdersPage() {
  const orders = useQuery(ordersQuery);
  return (
    <div>
      <title>Orders · Paydeck</title>
      <h1>Orders</h1>
      <p className="lead">Every order you placed, its payment and any refund.</p>
      {orders.isPending ? <OrdersSkeleton /> : null}
      {orders.error ? (
        <ErrorAlert
          error={orders.error}
          title="Your orders could not be loaded"
          onRetry={() => void orders.refetch()}
        />
      ) : null}
      {orders.data && orders.data.data.length === 0 ? (
        <div className="empty">
          <p>You have no orders yet.</p>
          <Link to="/shop" className="button button--primary">
            Go to the shop
          </Link>
        </div>
      ) : null}
      {orders.data && orders.data.data.length > 0 ? (
        <ul className="list" aria-label="Your orders">
          {orders.data.data.map((order) => (
            <OrderRow key={order.id} order={order} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function summary(order: Order): string {
  const [first, ...rest] = order.items;
  if (!first) return order.description ?? 'Order';
  return rest.length === 0 ? first.name : `${first.name} and ${rest.length} more`;
}

function OrderRow({ order }: { order: Order }) {
  return (
    <li className="list__row">
      <div className="list__main">
        <Link to={`/orders/${order.id}`} className="list__title">
          {summary(order)}
        </Link>
        <span className="list__meta">
          <time dateTime={order.created_at}>{formatDateTime(order.created_at)}</time>
        </span>
        {order.status === 'requires_action' ? (
          <Link to={`/orders/${order.id}`} className="list__hint">
            Your bank is waiting for you: confirm or cancel this payment
          </Link>
        ) : null}
      </div>
      <div className="list__side">
        <span className="list__amount">{formatMoney(order.amount, order.currency)}</span>
        <StatusBadge kind="order" status={order.status} />
      </div>
    </li>
  );
}

function OrdersSkeleton() {
  return (
    <ul className="list" role="status" aria-label="Loading your orders…">
      {Array.from({ length: 3 }, (_, index) => (
        <li key={index} className="list__row">
          <div className="list__main">
            <Skeleton size="short" />
          </div>
          <div className="list__side">
            <Skeleton size="name" />
          </div>
        </li>
      ))}
    </ul>
  );
}
