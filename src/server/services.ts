// The composition root: every domain service is built here, once per app, from the shared
// context and the payment provider. Routes, plugins and job handlers take their services from
// `app.services`; no module builds another module's service.
import type { Logger } from 'pino';
import type { AppContext } from './context.ts';
import type { PaymentProvider } from '../stripe/provider.ts';
import { JOB_SCHEMA, type JobSender } from '../jobs/queue.ts';
import { AccountService } from '../modules/account/service.ts';
import { AdminService } from '../modules/admin/service.ts';
import { AlertsService } from '../modules/alerts/service.ts';
import { createMailer, type Mailer } from '../modules/mail/mailer.ts';
import { ApiKeysService } from '../modules/api-keys/service.ts';
import { AuditService } from '../modules/audit/service.ts';
import { AuthService } from '../modules/auth/service.ts';
import { PasswordResetService } from '../modules/auth/password-reset.ts';
import { SecondFactorService } from '../modules/auth/second-factor.ts';
import { SessionControl } from '../modules/auth/session-control.ts';
import { SessionCache } from '../modules/auth/session-cache.ts';
import { CheckoutLinks } from '../modules/checkout/links.ts';
import { TestClock } from '../modules/test-clock/service.ts';
import { OffsetClock, machineClock } from '../lib/clock.ts';
import { CheckoutSessions } from '../modules/checkout/service.ts';
import { GuestCustomers } from '../modules/auth/guests.ts';
import { SessionStore } from '../modules/auth/sessions.ts';
import { CatalogService } from '../modules/catalog/service.ts';
import { CustomerDirectory, StripeCustomersService } from '../modules/customers/service.ts';
import { CustomerEmailsService } from '../modules/customer-emails/service.ts';
import { DashboardService } from '../modules/dashboard/service.ts';
import { DisputesService } from '../modules/disputes/service.ts';
import { MerchantApiService } from '../modules/merchant-api/service.ts';
import { MerchantWebhooksService } from '../modules/merchant-webhooks/service.ts';
import { OrdersService } from '../modules/orders/service.ts';
import { PaymentMethodsService } from '../modules/payment-methods/service.ts';
import { IdempotencyRecords } from '../modules/idempotency/service.ts';
import { IDEMPOTENCY_RETENTION_MS } from '../modules/idempotency/plugin.ts';
import { PaymentRecords, PaymentsService } from '../modules/payments/service.ts';
import { ReconciliationService } from '../modules/reconciliation/service.ts';
import { RefundRecords, RefundsService } from '../modules/refunds/service.ts';
import { RetentionService } from '../modules/retention/service.ts';
import { WebhookSecrets } from '../modules/webhooks/secrets.ts';
import { WebhooksService } from '../modules/webhooks/service.ts';

export interface Services {
  provider: PaymentProvider;
  jobs: JobSender;
  sessions: SessionStore;
  auth: AuthService;
  /** Customers without a password, and the sessions their checkout links open (ADR 030). */
  guests: GuestCustomers;
  checkout: CheckoutSessions;
  passwordResets: PasswordResetService;
  secondFactor: SecondFactorService;
  sessionControl: SessionControl;
  apiKeys: ApiKeysService;
  audit: AuditService;
  stripeCustomers: StripeCustomersService;
  customers: CustomerDirectory;
  paymentMethods: PaymentMethodsService;
  catalog: CatalogService;
  orders: OrdersService;
  payments: PaymentsService;
  refunds: RefundsService;
  disputes: DisputesService;
  webhookSecrets: WebhookSecrets;
  webhooks: WebhooksService;
  reconciliation: ReconciliationService;
  account: AccountService;
  merchant: MerchantApiService;
  merchantWebhooks: MerchantWebhooksService;
  customerEmails: CustomerEmailsService;
  admin: AdminService;
  /** Undefined in live mode without SMTP_URL: no mail is sent at all. */
  mailer: Mailer | undefined;
  alerts: AlertsService;
  dashboard: DashboardService;
  idempotency: IdempotencyRecords;
  retention: RetentionService;
  /** Time travel (simulated mode only; `available` says whether). */
  testClock: TestClock;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export function createServices(
  ctx: AppContext,
  provider: PaymentProvider,
  jobs: JobSender,
  logger: Logger,
): Services {
  const { clock, config } = ctx;
  const db = ctx.database.db;

  // Sign-ins last in the machine's time: time travel (ADR 031) must not sign the operator out,
  // nor make their authenticator's codes wrong.
  const sessionClock = machineClock(clock);
  const sessions = new SessionStore(
    db,
    sessionClock,
    config.session,
    new SessionCache(sessionClock, ctx.redis, ctx.sessionCacheKey),
  );
  const secondFactor = new SecondFactorService(db, sessionClock, sessions, config.operatorMfa);
  const sessionControl = new SessionControl(db, sessionClock, sessions);
  const apiKeys = new ApiKeysService(db, clock);
  const audit = new AuditService(db);

  const stripeCustomers = new StripeCustomersService(db, provider);
  const paymentMethods = new PaymentMethodsService(db, clock, provider, stripeCustomers);
  const customers = new CustomerDirectory(db, paymentMethods);
  const catalog = new CatalogService(db, clock);

  // Order views show payments and refunds, and payments and refunds keep the order's status in
  // step: the records (reads) are built first, so neither side needs the other at construction.
  const paymentRecords = new PaymentRecords(db, customers);
  const refundRecords = new RefundRecords(db, paymentRecords);
  const checkoutLinks = new CheckoutLinks(config.publicUrl, config.checkoutLinkTtlMs);
  const orders = new OrdersService(db, clock, catalog, checkoutLinks, {
    payments: paymentRecords,
    refunds: refundRecords,
  });
  // Merchant webhooks: the components below report their changes to it in their transactions.
  const merchantWebhooks = new MerchantWebhooksService({
    db,
    clock,
    logger,
    jobs,
    orders,
    allowPrivate: config.merchantWebhooks.allowPrivate,
  });
  // Emails to customers: written in the same transactions, read from the order when sent.
  const mailer = createMailer(db, config.mail);
  const customerEmails = new CustomerEmailsService({
    db,
    clock,
    logger,
    jobs,
    mailer,
    publicUrl: config.publicUrl,
    sources: {
      contactOf: (userId) => auth.contactOf(userId),
      order: async (orderId) => (await orders.find(orderId)) && orders.getFor(orderId, null),
    },
  });
  const auth = new AuthService(db, clock, sessions, merchantWebhooks);
  const guests = new GuestCustomers(db, clock, sessions, merchantWebhooks);
  const checkout = new CheckoutSessions({ clock, links: checkoutLinks, orders, guests });
  const passwordResets = new PasswordResetService(db, clock, customerEmails, sessions);
  const payments = new PaymentsService(
    {
      db,
      clock,
      provider,
      jobs,
      logger,
      orders,
      cards: paymentMethods,
      customers: stripeCustomers,
      events: merchantWebhooks,
      notices: customerEmails,
      options: { offSessionRetryDelaysMinutes: config.offSessionRetryDelaysMinutes },
    },
    paymentRecords,
  );
  const refunds = new RefundsService(
    {
      db,
      clock,
      provider,
      jobs,
      logger,
      orders,
      payments: paymentRecords,
      events: merchantWebhooks,
      notices: customerEmails,
    },
    refundRecords,
  );
  const disputes = new DisputesService(db, clock, {
    orders,
    payments: paymentRecords,
    events: merchantWebhooks,
  });

  const webhookSecrets = new WebhookSecrets(config.stripe.webhookSecrets);
  const webhooks = new WebhooksService({
    db,
    clock,
    provider,
    payments,
    refunds,
    disputes,
    jobs,
    secrets: webhookSecrets,
    logger,
  });
  const reconciliation = new ReconciliationService({
    db,
    clock,
    provider,
    payments,
    refunds,
    logger,
  });

  const idempotency = new IdempotencyRecords(db, clock, IDEMPOTENCY_RETENTION_MS);
  const account = new AccountService({
    db,
    clock,
    provider,
    auth,
    audit,
    orders,
    payments,
    paymentMethods,
    stripeCustomers,
    disputes,
    webhooks,
    idempotency,
    events: merchantWebhooks,
    emails: customerEmails,
  });
  const merchant = new MerchantApiService({ customers, orders });
  const admin = new AdminService({
    payments: paymentRecords,
    refunds: refundRecords,
    orders,
    customers,
    audit,
    webhooks,
  });

  const alerts = new AlertsService({
    db,
    clock,
    logger,
    channels: { mailer, emailTo: config.alerts.emailTo, webhookUrl: config.alerts.webhookUrl },
    consoleUrl: `${config.publicUrl}/console/alerts`,
    reminderMs: config.alerts.reminderMs,
    jobSchema: JOB_SCHEMA,
    sources: {
      payments: paymentRecords,
      refunds: refundRecords,
      disputes,
      webhooks,
      reconciliation,
      merchantWebhooks,
    },
    operators: auth,
  });

  const dashboard = new DashboardService({
    db,
    clock,
    payments: paymentRecords,
    refunds: refundRecords,
    disputes,
    webhooks,
    reconciliation,
    alerts,
  });

  const retention = new RetentionService({
    db,
    clock,
    logger,
    settings: config.retention,
    webhooks,
    emails: customerEmails,
    sessions,
    idempotency,
    audit,
    auth,
    alerts,
    dashboard,
    merchantWebhooks,
  });

  return {
    provider,
    jobs,
    sessions,
    auth,
    guests,
    checkout,
    passwordResets,
    secondFactor,
    sessionControl,
    apiKeys,
    audit,
    stripeCustomers,
    customers,
    paymentMethods,
    catalog,
    orders,
    payments,
    refunds,
    disputes,
    webhookSecrets,
    webhooks,
    reconciliation,
    account,
    merchant,
    merchantWebhooks,
    customerEmails,
    admin,
    mailer,
    alerts,
    dashboard,
    idempotency,
    retention,
    testClock: new TestClock({
      db,
      logger,
      clock: clock instanceof OffsetClock ? clock : undefined,
      simulatorUrl: config.stripe.mode === 'simulated' ? config.stripe.apiBase : undefined,
    }),
  };
}
