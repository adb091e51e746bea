// Demo data for the embedded default set-up: one operator and one customer, so a newcomer can
// sign in right after `npm start`. Created only when the database has no users at all.
import type { AuthService } from '../auth/service.ts';

export const demoAccounts = [
  {
    role: 'admin' as const,
    email: 'admin@paydeck.test',
    password: 'paydeck-admin-demo',
    name: 'Ada Operator',
  },
  {
    role: 'customer' as const,
    email: 'customer@paydeck.test',
    password: 'paydeck-customer-demo',
    name: 'Casey Customer',
  },
];

/** Seeds the demo accounts on an empty database; returns true if it did. */
export async function seedDemoData(auth: AuthService): Promise<boolean> {
  if (await auth.hasUsers()) return false;
  for (const account of demoAccounts) await auth.createAccount(account);
  return true;
}
