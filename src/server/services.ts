// The domain services, built once per app from the shared context and the payment provider.
// Routes and jobs reach them as `app.services`.
import type { Logger } from 'pino';
import type { AppContext } from './context.ts';
import type { PaymentProvider } from '../stripe/provider.ts';
import type { JobSender } from '../jobs/queue.ts';
import { CustomersService } from '../modules/customers/service.ts';
import { PaymentMethodsService } from '../modules/payment-methods/service.ts';
import { CatalogService } from '../modules/catalog/service.ts';
import { OrdersService } from '../modules/orders/service.ts';
import { PaymentsService } from '../modules/payments/service.ts';
import { RefundsService } from '../modules/refunds/service.ts';

export interface Services {
  provider: PaymentProvider;
  jobs: JobSender;
  customers: CustomersService;
  paymentMethods: PaymentMethodsService;
  catalog: CatalogService;
  orders: OrdersService;
  payments: PaymentsService;
  refunds: RefundsService;
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
  const db = ctx.database.db;
  const customers = new CustomersService(db, provider);
  const paymentMethods = new PaymentMethodsService(db, ctx.clock, provider, customers);
  const catalog = new CatalogService(db, ctx.clock);
  const orders = new OrdersService(db, ctx.clock, catalog, ctx.config.publicUrl);
  const payments = new PaymentsService(
    db,
    ctx.clock,
    provider,
    customers,
    paymentMethods,
    orders,
    jobs,
    logger,
    {
      offSessionRetryDelaysMinutes: ctx.config.offSessionRetryDelaysMinutes,
    },
  );
  const refunds = new RefundsService(db, ctx.clock, provider, jobs, logger);
  return { provider, jobs, customers, paymentMethods, catalog, orders, payments, refunds };
}
