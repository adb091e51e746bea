// The console's public entry: its routes, below /console. The console is its own set of chunks:
// customers never download it.
import { Navigate, type RouteObject } from 'react-router';

export const consoleRoutes: RouteObject[] = [
  {
    lazy: async () => ({ Component: (await import('./components/console-layout')).ConsoleLayout }),
    children: [
      { index: true, element: <Navigate to="/console/payments" replace /> },
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
        path: 'audit',
        lazy: async () => ({ Component: (await import('./components/audit-page')).AuditPage }),
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
