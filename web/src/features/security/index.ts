// The security feature's public entry: the two-step verification page (ADR 023), and the panels
// the account page shows (sessions, two-step verification summary).
import type { RouteObject } from 'react-router';
export { SessionsPanel } from './components/sessions-panel';
export { TwoFactorSummary } from './components/two-factor-summary';

/** Where an operator sets up two-step verification (and where OPERATOR_MFA=required sends them). */
export const TWO_FACTOR_PATH = '/account/two-factor';

export const securityRoutes: RouteObject[] = [
  {
    path: 'account/two-factor',
    lazy: async () => ({ Component: (await import('./components/two-factor-page')).TwoFactorPage }),
  },
];
