// The composition root: every domain service is built here, once per app, from the shared
// context and the payment provider. Routes, plugins and job handlers take their services from
// `app.services`; no module builds another module's service.
import type { Logger } from 'pino';
import type { AppContext } from './context.ts';
import type { PaymentProvider } from '../stripe/provider.ts';
import type { JobSender } from '../jobs/queue.ts';
import { AccountService } from '../modules/account/service.ts';
import { AdminService } from '../modules/admin/service.ts';
import { ApiKeysService } from '../modules/api-keys/service.ts';
import { AuditService } from '../modules/audit/service.ts';
import { AuthService } from '../modules/auth/service.ts';
import { SessionStore } from '../modules/auth/sessions.ts';
import { CatalogService } from '../modules/catalog/service.ts';
import { CustomerDirectory, StripeCustomersService } from '../modules/customers/service.ts';
import { DisputesService } from '../modules/disputes/service.ts';
import { MerchantApiService } from '../modules/merchant-api/service.ts';
import { OrdersService } from '../modules/orders/service.ts';
import { PaymentMethodsService } from '../modules/payment-methods/service.ts';
import { PaymentRecords, PaymentsService } from '../modules/payments/service.ts';
import { ReconciliationService } from '../modules/reconciliation/service.ts';
import { RefundRecords, RefundsService } from '../modules/refunds/service.ts';
import { WebhookSecrets } from '../modules/webhooks/secrets.ts';
import { WebhooksService } from '../modules/webhooks/service.ts';

export interface Services {
  provider: PaymentProvider;
  jobs: JobSender;
  sessions: SessionStore;
  auth: AuthService;
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
  admin: AdminService;
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

  const sessions = new SessionStore(db, clock, config.session);
  const auth = new AuthService(db, clock, sessions);
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
  const orders = new OrdersService(db, clock, catalog, config.publicUrl, {
    payments: paymentRecords,
    refunds: refundRecords,
  });
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
      options: { offSessionRetryDelaysMinutes: config.offSessionRetryDelaysMinutes },
    },
    paymentRecords,
  );
  const refunds = new RefundsService(
    { db, clock, provider, jobs, logger, orders, payments: paymentRecords },
    refundRecords,
  );
  const disputes = new DisputesService(db, clock, { orders, payments: paymentRecords });

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

  const account = new AccountService({
    db,
    clock,
    provider,
    auth,
    audit,
    orders,
    payments: paymentRecords,
    paymentMethods,
    stripeCustomers,
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

  return {
    provider,
    jobs,
    sessions,
    auth,
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
    admin,
  };
}
