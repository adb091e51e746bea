// The home feature's public entry: its routes (each page its own chunk).
import type { RouteObject } from 'react-router';

export const homeRoutes: RouteObject[] = [
  {
    index: true,
    lazy: async () => ({ Component: (await import('./components/home-page')).HomePage }),
  },
];
