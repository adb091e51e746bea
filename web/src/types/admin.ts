// Names for the operator API's shapes (/api/admin/…) the console uses. The types themselves are
// generated from the server's OpenAPI document (generated/api.ts, `npm run api:types`). Amounts
// are integers in the currency's minor unit; format them with lib/money.ts.
import type { JsonBody, Query } from './api';
import type { components } from './generated/api';

type Schemas = components['schemas'];

/**
 * `values`, checked to list every member of `U` (and nothing else): a value the server adds to
 * one of these enums fails the type check here instead of going missing from a menu.
 */
function everyOneOf<U extends string>() {
  return <const T extends readonly U[]>(
    values: T &
      ([Exclude<U, T[number]>] extends [never] ? unknown : { missing: Exclude<U, T[number]> }),
  ): T => values;
}

export type PaymentStatus = NonNullable<Query<'adminListPayments'>['status']>;
/** In the order the console lists them. */
export const PAYMENT_STATUSES = everyOneOf<PaymentStatus>()([
  'creating',
  'unknown',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'failed',
  'canceled',
]);

export type RefundReason = Schemas['RefundReason'];
export const REFUND_REASONS = everyOneOf<RefundReason>()([
  'requested_by_customer',
  'duplicate',
  'fraudulent',
]);

export type ApiKeyScope = Schemas['ApiKeyScope'];
export const API_KEY_SCOPES = everyOneOf<ApiKeyScope>()([
  'orders:read',
  'orders:write',
  'payments:read',
  'payments:write',
  'refunds:read',
  'refunds:write',
  'customers:read',
  'customers:write',
  'webhooks:read',
  'webhooks:write',
]);

export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
export type WebhookEndpointList = Schemas['WebhookEndpointList'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookDeliveryList = Schemas['WebhookDeliveryList'];
export type MerchantEventType = Schemas['MerchantEventType'];
export const MERCHANT_EVENT_TYPES = everyOneOf<MerchantEventType>()([
  'order.paid',
  'order.payment_failed',
  'order.requires_action',
  'order.canceled',
  'refund.succeeded',
  'refund.failed',
  'dispute.created',
  'dispute.closed',
  'customer.created',
  'customer.deleted',
]);

export type WebhookEventStatus = Schemas['WebhookEventStatus'];
export const WEBHOOK_EVENT_STATUSES = everyOneOf<WebhookEventStatus>()([
  'received',
  'processed',
  'ignored',
  'failed',
]);

export type PaymentPage = Schemas['AdminPaymentList'];
export type CustomerPage = Schemas['AdminCustomerList'];
export type AuditPage = Schemas['AuditEntryList'];
export type AuditVerification = Schemas['AuditVerification'];
export type TimelineEntry = Schemas['PaymentDetail']['timeline'][number];
export type PaymentDetail = Schemas['PaymentDetail'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyList = Schemas['ApiKeyList'];
/** `secret` (pd_sk_…) is in this response only. */
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type WebhookEventDetail = Schemas['WebhookEventDetail'];
export type WebhookEventPage = Schemas['WebhookEventList'];
export type ReconciliationRun = Schemas['ReconciliationRun'];
export type ReconciliationRunList = Schemas['ReconciliationRunList'];
export type Dashboard = Schemas['Dashboard'];
export type DashboardWindow = Schemas['DashboardWindow'];
/** What the console sends to create a product, or to change one (every field, each time). */
export type ProductInput = Required<JsonBody<'adminCreateProduct'>>;
export type AlertRuleState = Schemas['AlertRuleState'];
export type TestClock = Schemas['TestClock'];
export type TestClockAdvanced = Schemas['TestClockAdvanced'];
export type AlertRuleList = Schemas['AlertRuleList'];
export type AlertEvent = Schemas['AlertEvent'];
export type AlertEventList = Schemas['AlertEventList'];
export type AlertEvaluation = Schemas['AlertEvaluation'];
export type CaughtMailList = Schemas['CaughtMailList'];
