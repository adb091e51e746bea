// The legal feature's public entry: its routes.
import type { RouteObject } from 'react-router';

export const legalRoutes: RouteObject[] = [
  {
    path: 'legal/terms',
    lazy: async () => ({ Component: (await import('./components/legal-page')).TermsPage }),
  },
  {
    path: 'legal/privacy',
    lazy: async () => ({ Component: (await import('./components/legal-page')).PrivacyPage }),
  },
];
