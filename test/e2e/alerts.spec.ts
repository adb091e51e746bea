// The Alerts and Mail pages in a real browser (issue 11): forged webhooks make the signature rule
// fire; the operator sees it under "Firing now", acknowledges it, finds its email in the local
// catcher (no SMTP_URL here), and, once the refusals are older than the rule's 15-minute window,
// sees it resolved in the history.
import { test, expect } from '@playwright/test';
import pg from 'pg';
import { watchConsoleInEveryTest } from './helpers/customer.ts';
import { openConsoleSection, signInAsAdmin } from './helpers/operator.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

watchConsoleInEveryTest();

test('when webhooks with forged signatures arrive, then the operator sees the alert fire, acknowledges it, reads its email, and sees it resolve', async ({
  page,
}) => {
  for (let i = 0; i < 6; i++) {
    const res = await page.request.post('/webhooks/stripe', {
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=forged' },
      data: '{}',
    });
    expect(res.status()).toBe(400);
  }

  await signInAsAdmin(page);
  await page.goto('/console/payments');
  await openConsoleSection(page, 'Alerts');
  const firing = page.getByRole('region', { name: 'Firing now' });
  // The counts reach the database within seconds; evaluate until the rule fires (the minute's
  // job may do it first).
  await expect(async () => {
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await expect(
      firing.getByRole('heading', { name: 'Webhooks refused for a bad signature' }),
    ).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });

  await firing.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(firing.getByRole('button', { name: 'Acknowledged' })).toBeDisabled();
  await expect(firing.getByText(/acknowledged/)).toBeVisible();

  await openConsoleSection(page, 'Mail');
  await expect(
    page
      .getByRole('heading', { name: '[Paydeck FIRING] Webhooks refused for a bad signature' })
      .first(),
  ).toBeVisible();
  await expect(page.getByText('to admin@paydeck.test').first()).toBeVisible();

  // Fifteen minutes later, as far as the rule can tell: the refusals move out of its window.
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query(
      `UPDATE event_count_minutes SET minute = minute - interval '1 hour' WHERE name = 'webhook_bad_signature'`,
    );
  } finally {
    await db.end();
  }
  await openConsoleSection(page, 'Alerts');
  await page.getByRole('button', { name: 'Evaluate now' }).click();
  await expect(firing.getByText('Nothing is firing.')).toBeVisible();
  const history = page.getByRole('region', { name: 'Alert history' });
  await expect(
    history
      .getByRole('row')
      .filter({ hasText: 'webhook_signature_failures' })
      .filter({ hasText: 'resolved' }),
  ).toHaveCount(1);
  await expect(
    history
      .getByRole('row')
      .filter({ hasText: 'webhook_signature_failures' })
      .filter({ hasText: 'firing' })
      .first(),
  ).toBeVisible();
});
