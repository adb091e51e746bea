// The shop feature's public entry: its routes (each page its own chunk).
import type { RouteObject } from 'react-router';

export const shopRoutes: RouteObject[] = [
  {
    path: 'shop',
    lazy: async () => ({ Component: (await import('./components/shop-page')).ShopPage }),
  },
];
