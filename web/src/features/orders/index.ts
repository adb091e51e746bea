// The orders feature's public entry: its routes (each page its own chunk).
import type { RouteObject } from 'react-router';

export const ordersRoutes: RouteObject[] = [
  {
    path: 'orders',
    lazy: async () => ({ Component: (await import('./components/orders-page')).OrdersPage }),
  },
  {
    path: 'orders/:orderId',
    lazy: async () => ({ Component: (await import('./components/order-page')).OrderPage }),
  },
];
