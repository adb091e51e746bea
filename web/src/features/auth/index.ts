// The auth feature's public entry: its routes (each page its own chunk) and the sign-out button.
import type { RouteObject } from 'react-router';
export { SignOutButton } from './components/sign-out-button';

export const authRoutes: RouteObject[] = [
  {
    path: 'login',
    lazy: async () => ({ Component: (await import('./components/login-page')).LoginPage }),
  },
  {
    path: 'forgot-password',
    lazy: async () => ({
      Component: (await import('./components/forgot-password-page')).ForgotPasswordPage,
    }),
  },
  {
    path: 'reset-password',
    lazy: async () => ({
      Component: (await import('./components/reset-password-page')).ResetPasswordPage,
    }),
  },
  {
    path: 'signup',
    lazy: async () => ({ Component: (await import('./components/signup-page')).SignupPage }),
  },
];
