// Shapes of the operator API (/api/admin/…) the console uses, mirroring the server's route schemas
// (src/modules/{admin,catalog,api-keys,webhooks,reconciliation}/schemas.ts). Amounts are integers
// in the currency's minor unit; format them with lib/money.ts.
import type { Order, Payment, Refund } from './api';

export const PAYMENT_STATUSES = [
  'creating',
  'unknown',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'failed',
  'canceled',
] as const;

export const REFUND_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export const API_KEY_SCOPES = [
  'orders:read',
  'orders:write',
  'payments:read',
  'payments:write',
  'refunds:read',
  'refunds:write',
  'customers:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const WEBHOOK_EVENT_STATUSES = ['received', 'processed', 'ignored', 'failed'] as const;

export interface AdminPayment extends Payment {
  customer_id: string;
  customer_email: string | null;
}

export interface PaymentPage {
  data: AdminPayment[];
  total: number;
  has_more: boolean;
}

export interface Customer {
  id: string;
  email: string;
  name: string;
  created_at: string;
  default_payment_method: { id: string; brand: string; last4: string } | null;
}

export interface AuditEntry {
  id: number;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  stripe_request_id: string | null;
  stripe_event_id: string | null;
  ip: string | null;
  request_id: string | null;
}

export interface TimelineWebhook {
  kind: 'webhook';
  at: string;
  stripe_event_id: string;
  type: string;
  object_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  stripe_created_at: string;
  processed_at: string | null;
}

export type TimelineEntry = ({ kind: 'audit'; at: string } & AuditEntry) | TimelineWebhook;

export interface PaymentDetail {
  payment: Payment;
  order: Order;
  customer: Customer | null;
  refunds: Refund[];
  timeline: TimelineEntry[];
}

export interface AuditPage {
  data: AuditEntry[];
  has_more: boolean;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  first_broken: { id: number; reason: string } | null;
}

export interface CustomerPage {
  data: Customer[];
  has_more: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret (pd_sk_…): in this response only. */
  secret: string;
}

export interface WebhookEvent {
  id: string;
  type: string;
  object_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  livemode: boolean;
  api_version: string | null;
  created: string;
  received_at: string;
  processed_at: string | null;
}

export interface WebhookEventDetail extends WebhookEvent {
  payload: unknown;
}

export interface WebhookEventPage {
  data: WebhookEvent[];
  has_more: boolean;
}

export interface Discrepancy {
  id: number;
  object_type: 'payment' | 'refund';
  object_id: string;
  stripe_id: string | null;
  field: string;
  ours: string | null;
  theirs: string | null;
  fixed: boolean;
}

export interface ReconciliationRun {
  id: number;
  started_at: string;
  finished_at: string | null;
  payments_checked: number;
  refunds_checked: number;
  discrepancy_count: number;
  error: string | null;
  discrepancies: Discrepancy[];
}

export interface ProductInput {
  name: string;
  description: string;
  unit_amount: number;
  currency: string;
  active: boolean;
}
