// The wallet feature's public entry: its routes (each page its own chunk).
import type { RouteObject } from 'react-router';

export const walletRoutes: RouteObject[] = [
  {
    path: 'wallet',
    lazy: async () => ({ Component: (await import('./components/wallet-page')).WalletPage }),
  },
];
