import type { QueryClient } from '@tanstack/react-query';
import { Navigate, createBrowserRouter } from 'react-router';
import { appConfigQuery } from '../lib/app-config';
import { sessionQuery } from '../lib/session';
import { AppShellSkeleton } from './app-shell-skeleton';
import { DocumentRoute } from './document-route';
import { NotFoundPage, RootErrorPage, RouteErrorPage } from './error-pages';
import { RequireAdmin, RequireSignIn } from './guards';
import { AppLayout } from './layout';

// /checkout/:orderId is not here: it is its own page (web/checkout.html, src/checkout.tsx) so
// that it loads far less JavaScript; links to it are full page loads.
//
// Pages are split per route with the router's `lazy` rather than React.lazy: the router starts
// downloading a page's chunk in parallel with the root loader and keeps the current page on
// screen until the next one is ready, so there is no waterfall and no flash of a fallback.

export function createRouter(queryClient: QueryClient) {
  return createBrowserRouter([
    {
      id: 'root',
      // Everything below needs the mode and the session; load both once, before the first paint.
      loader: async () => {
        await Promise.all([
          queryClient.ensureQueryData(appConfigQuery),
          queryClient.ensureQueryData(sessionQuery),
        ]);
        return null;
      },
      // The query cache keeps both fresh from here on.
      shouldRevalidate: () => false,
      HydrateFallback: AppShellSkeleton,
      errorElement: <RootErrorPage />,
      Component: AppLayout,
      children: [
        {
          errorElement: <RouteErrorPage />,
          children: [
            {
              path: 'login',
              lazy: async () => ({
                Component: (await import('../features/auth/components/login-page')).LoginPage,
              }),
            },
            {
              path: 'signup',
              lazy: async () => ({
                Component: (await import('../features/auth/components/signup-page')).SignupPage,
              }),
            },
            // The checkout is its own page; e.g. after "sign in to continue", load it as a document.
            { path: 'checkout/*', Component: DocumentRoute },
            {
              path: 'legal/terms',
              lazy: async () => ({
                Component: (await import('../features/legal/components/legal-page')).TermsPage,
              }),
            },
            {
              path: 'legal/privacy',
              lazy: async () => ({
                Component: (await import('../features/legal/components/legal-page')).PrivacyPage,
              }),
            },
            {
              Component: RequireSignIn,
              children: [
                {
                  index: true,
                  lazy: async () => ({
                    Component: (await import('../features/home/components/home-page')).HomePage,
                  }),
                },
                {
                  path: 'shop',
                  lazy: async () => ({
                    Component: (await import('../features/shop/components/shop-page')).ShopPage,
                  }),
                },
                {
                  path: 'orders',
                  lazy: async () => ({
                    Component: (await import('../features/orders/components/orders-page'))
                      .OrdersPage,
                  }),
                },
                {
                  path: 'orders/:orderId',
                  lazy: async () => ({
                    Component: (await import('../features/orders/components/order-page')).OrderPage,
                  }),
                },
                {
                  path: 'wallet',
                  lazy: async () => ({
                    Component: (await import('../features/wallet/components/wallet-page'))
                      .WalletPage,
                  }),
                },
                {
                  path: 'account',
                  lazy: async () => ({
                    Component: (await import('../features/account/components/account-page'))
                      .AccountPage,
                  }),
                },
                {
                  path: 'console',
                  Component: RequireAdmin,
                  // The console is its own set of chunks: customers never download it.
                  children: [
                    {
                      lazy: async () => ({
                        Component: (await import('../features/console/components/console-layout'))
                          .ConsoleLayout,
                      }),
                      children: [
                        { index: true, element: <Navigate to="/console/payments" replace /> },
                        {
                          path: 'payments',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/payments-page')
                            ).PaymentsPage,
                          }),
                        },
                        {
                          path: 'payments/:paymentId',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/payment-detail-page')
                            ).PaymentDetailPage,
                          }),
                        },
                        {
                          path: 'customers',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/customers-page')
                            ).CustomersPage,
                          }),
                        },
                        {
                          path: 'catalog',
                          lazy: async () => ({
                            Component: (await import('../features/console/components/catalog-page'))
                              .CatalogPage,
                          }),
                        },
                        {
                          path: 'api-keys',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/api-keys-page')
                            ).ApiKeysPage,
                          }),
                        },
                        {
                          path: 'webhooks',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/webhooks-page')
                            ).WebhooksPage,
                          }),
                        },
                        {
                          path: 'webhooks/:eventId',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/webhook-event-page')
                            ).WebhookEventPage,
                          }),
                        },
                        {
                          path: 'audit',
                          lazy: async () => ({
                            Component: (await import('../features/console/components/audit-page'))
                              .AuditPage,
                          }),
                        },
                        {
                          path: 'reconciliation',
                          lazy: async () => ({
                            Component: (
                              await import('../features/console/components/reconciliation-page')
                            ).ReconciliationPage,
                          }),
                        },
                      ],
                    },
                  ],
                },
              ],
            },
            { path: '*', Component: NotFoundPage },
          ],
        },
      ],
    },
  ]);
}
