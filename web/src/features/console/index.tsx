// The console's public entry: its routes, below /console. The console is its own set of chunks:
// customers never download it.
import type { RouteObject } from 'react-router';

export const consoleRoutes: RouteObject[] = [
  {
    lazy: async () => ({ Component: (await import('./components/console-layout')).ConsoleLayout }),
    children: [
      {
        index: true,
        lazy: async () => ({
          Component: (await import('./components/dashboard-page')).DashboardPage,
        }),
      },
      {
        path: 'payments',
        lazy: async () => ({
          Component: (await import('./components/payments-page')).PaymentsPage,
        }),
      },
      {
        path: 'payments/:paymentId',
        lazy: async () => ({
          Component: (await import('./components/payment-detail-page')).PaymentDetailPage,
        }),
      },
      {
        path: 'customers',
        lazy: async () => ({
          Component: (await import('./components/customers-page')).CustomersPage,
        }),
      },
      {
        path: 'catalog',
        lazy: async () => ({ Component: (await import('./components/catalog-page')).CatalogPage }),
      },
      {
        path: 'api-keys',
        lazy: async () => ({ Component: (await import('./components/api-keys-page')).ApiKeysPage }),
      },
      {
        path: 'webhooks',
        lazy: async () => ({
          Component: (await import('./components/webhooks-page')).WebhooksPage,
        }),
      },
      {
        path: 'webhooks/:eventId',
        lazy: async () => ({
          Component: (await import('./components/webhook-event-page')).WebhookEventPage,
        }),
      },
      {
        path: 'merchant-webhooks',
        lazy: async () => ({
          Component: (await import('./components/merchant-webhooks-page')).MerchantWebhooksPage,
        }),
      },
      {
        path: 'audit',
        lazy: async () => ({ Component: (await import('./components/audit-page')).AuditPage }),
      },
      {
        path: 'alerts',
        lazy: async () => ({ Component: (await import('./components/alerts-page')).AlertsPage }),
      },
      {
        path: 'mail',
        lazy: async () => ({ Component: (await import('./components/mail-page')).MailPage }),
      },
      {
        path: 'reconciliation',
        lazy: async () => ({
          Component: (await import('./components/reconciliation-page')).ReconciliationPage,
        }),
      },
    ],
  },
];
