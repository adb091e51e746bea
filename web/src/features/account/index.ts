// The account feature's public entry: its routes (each page its own chunk).
import type { RouteObject } from 'react-router';

export const accountRoutes: RouteObject[] = [
  {
    path: 'account',
    lazy: async () => ({ Component: (await import('./components/account-page')).AccountPage }),
  },
];
