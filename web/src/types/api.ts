// Shapes of the Paydeck API the customer pages use, mirroring the server's route schemas
// (src/modules/{catalog,orders,payments,payment-methods}/schemas.ts). Amounts are integers in
// the currency's minor unit; format them with lib/money.ts.

export interface Product {
  id: string;
  name: string;
  description: string;
  unit_amount: number;
  currency: string;
  active: boolean;
}

export interface OrderItem {
  product_id: string | null;
  name: string;
  unit_amount: number;
  quantity: number;
  amount: number;
}

export type OrderStatus =
  | 'open'
  | 'processing'
  | 'requires_action'
  | 'authorized'
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'canceled';

export interface PaymentCard {
  brand: string;
  last4: string;
  exp_month: number | null;
  exp_year: number | null;
}

export interface Payment {
  id: string;
  order_id: string;
  /** creating | unknown | processing | requires_action | requires_capture | succeeded | failed | canceled */
  status: string;
  amount: number;
  currency: string;
  amount_captured: number;
  amount_refunded: number;
  capture_method: string;
  off_session: boolean;
  attempt: number;
  stripe_payment_intent_id: string | null;
  payment_method_id: string | null;
  /** The card Stripe charged (kept on the payment, so it outlives the wallet); null until known. */
  card: PaymentCard | null;
  failure_code: string | null;
  decline_code: string | null;
  failure_message: string | null;
  disputed: boolean;
  created_at: string;
  updated_at: string;
}

export interface Refund {
  id: string;
  payment_id: string;
  order_id: string;
  amount: number;
  currency: string;
  status: string;
  reason: string | null;
  stripe_refund_id: string | null;
  failure_reason: string | null;
  created_at: string;
}

export interface Order {
  id: string;
  customer_id: string;
  /** An {@link OrderStatus}; typed loosely so a status added on the server still renders. */
  status: OrderStatus | (string & {});
  amount: number;
  currency: string;
  amount_refunded: number;
  capture_method: string;
  description: string | null;
  metadata: Record<string, string>;
  items: OrderItem[];
  payments: Payment[];
  refunds: Refund[];
  created_at: string;
  paid_at: string | null;
  checkout_url: string;
}

export interface OrderList {
  data: Order[];
  has_more: boolean;
}

/** A saved card. `id` is the Stripe PaymentMethod id (pm_…). */
export interface PaymentMethod {
  id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  is_default: boolean;
  created_at: string;
}

export interface PayResponse {
  order: Order;
  payment: {
    id: string;
    status: string;
    client_secret?: string;
    next_action?: Record<string, unknown> | null;
    failure_code?: string | null;
    decline_code?: string | null;
    failure_message?: string | null;
  };
}

export interface SetupIntentResponse {
  client_secret: string;
  setup_intent_id: string;
}

export interface ListResponse<T> {
  data: T[];
}

/** Orders in these states can still be paid from the checkout page. */
export function isPayable(order: Pick<Order, 'status'>): boolean {
  return order.status === 'open' || order.status === 'requires_action';
}
