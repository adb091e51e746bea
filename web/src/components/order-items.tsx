import { formatMoney } from '../lib/money';
import type { Order } from '../types/api';

/** The lines of an order and its total, as the server priced them. */
export function OrderItems({
  order,
  caption,
}: {
  order: Pick<Order, 'items' | 'amount' | 'currency'> & { description?: string | null };
  caption?: string;
}) {
  return (
    <table className="order-items">
      {caption ? <caption className="visually-hidden">{caption}</caption> : null}
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col" className="num">
            Qty
          </th>
          <th scope="col" className="num">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {/* An order the merchant API made with an amount has no catalog lines: its description is the line. */}
        {order.items.length === 0 ? (
          <tr>
            <td>{order.description ?? 'Order'}</td>
            <td className="num">1</td>
            <td className="num">{formatMoney(order.amount, order.currency)}</td>
          </tr>
        ) : null}
        {order.items.map((item, index) => (
          <tr key={`${item.product_id ?? 'item'}-${index}`}>
            <td>
              {item.name}
              {item.quantity > 1 ? (
                <span className="order-items__unit">
                  {formatMoney(item.unit_amount, order.currency)} each
                </span>
              ) : null}
            </td>
            <td className="num">{item.quantity}</td>
            <td className="num">{formatMoney(item.amount, order.currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            Total
          </th>
          <td className="num order-items__total">{formatMoney(order.amount, order.currency)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
