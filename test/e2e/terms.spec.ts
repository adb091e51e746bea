// A new version of the Terms of Service in a real browser: the customer's first Pay is held with
// a prompt to read and accept them; after "Accept the Terms", Pay goes through.
import { test, expect } from '@playwright/test';
import pg from 'pg';
import { CARDS, fillCard, signUpNewCustomer, watchConsoleInEveryTest } from './helpers/customer.ts';
import { startCheckout } from './helpers/shop.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

const consoleWatch = watchConsoleInEveryTest();

test('when the Terms changed since the customer accepted them, then checkout asks to accept them and then pays', async ({
  page,
}) => {
  // The held payment is a 403 the browser reports in its console.
  consoleWatch.expect(/status of 403/);
  await signUpNewCustomer(page);
  // Emails are stored encrypted (ADR 027): the account is found by its id.
  const session = (await (await page.request.get('/api/auth/session')).json()) as {
    user: { id: string };
  };
  // As if a new version came out after sign-up: their acceptance is of an older one.
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    const changed = await db.query(
      `UPDATE legal_acceptances SET version = '2020-01-01'
        WHERE document = 'terms' AND user_id = $1`,
      [session.user.id],
    );
    expect(changed.rowCount).toBe(1);
  } finally {
    await db.end();
  }

  const orderId = await startCheckout(page, { 'Espresso beans, 1 kg': 1 }, '$24.00');
  await page.getByRole('radio', { name: 'New card' }).check();
  await fillCard(page, CARDS.visa);
  await page.getByRole('button', { name: 'Pay $24.00' }).click();
  const prompt = page
    .getByRole('status')
    .filter({ hasText: 'Please accept our new Terms of Service' });
  await expect(prompt).toBeVisible();
  await expect(prompt.getByRole('link', { name: 'Read the Terms of Service' })).toHaveAttribute(
    'href',
    '/legal/terms',
  );
  await prompt.getByRole('button', { name: 'Accept the Terms' }).click();
  await expect(prompt).toBeHidden();

  await page.getByRole('button', { name: 'Pay $24.00' }).click();
  await expect(page).toHaveURL((url) => url.pathname === `/orders/${orderId}`);
  await expect(page.getByText('Thank you — your payment went through')).toBeVisible();
});
