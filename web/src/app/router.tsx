import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter } from 'react-router';
import { appConfigQuery } from '../lib/app-config';
import { sessionQuery } from '../lib/session';
import { AppShellSkeleton } from './app-shell-skeleton';
import { NotFoundPage, RootErrorPage, RouteErrorPage } from './error-pages';
import { RequireAdmin, RequireSignIn } from './guards';
import { AppLayout } from './layout';

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
                  path: 'console',
                  Component: RequireAdmin,
                  children: [
                    {
                      index: true,
                      lazy: async () => ({
                        Component: (await import('../features/console/components/console-page'))
                          .ConsolePage,
                      }),
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
