import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter } from 'react-router';
import { appConfigQuery } from '../lib/app-config';
import { sessionQuery } from '../lib/session';
import { AppShellSkeleton } from './app-shell-skeleton';
import { DocumentRoute } from './document-route';
import { NotFoundPage, RootErrorPage, RouteErrorPage } from './error-pages';
import { RequireAdmin, RequireSignIn } from './guards';
import { AppLayout } from './layout';
import { accountRoutes } from '../features/account';
import { authRoutes } from '../features/auth';
import { consoleRoutes } from '../features/console';
import { homeRoutes } from '../features/home';
import { legalRoutes } from '../features/legal';
import { ordersRoutes } from '../features/orders';
import { securityRoutes } from '../features/security';
import { shopRoutes } from '../features/shop';
import { walletRoutes } from '../features/wallet';

// /checkout/:orderId is not here: it is its own page (web/checkout.html, src/checkout.tsx) so
// that it loads far less JavaScript; links to it are full page loads.
//
// Each feature exports its own routes from its public entry (web/src/features/<feature>/index.ts).
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
            ...authRoutes,
            // The checkout is its own page; e.g. after "sign in to continue", load it as a document.
            { path: 'checkout/*', Component: DocumentRoute },
            ...legalRoutes,
            {
              Component: RequireSignIn,
              children: [
                ...homeRoutes,
                ...shopRoutes,
                ...ordersRoutes,
                ...walletRoutes,
                ...accountRoutes,
                ...securityRoutes,
                { path: 'console', Component: RequireAdmin, children: consoleRoutes },
              ],
            },
            { path: '*', Component: NotFoundPage },
          ],
        },
      ],
    },
  ]);
}
