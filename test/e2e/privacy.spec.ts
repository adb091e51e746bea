// The Privacy Policy in a real browser states the retention periods the server is configured with
// (global-setup.ts sets two of them off their defaults), not periods written into the page.
import { test, expect } from '@playwright/test';
import { watchConsoleInEveryTest } from './helpers/customer.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

watchConsoleInEveryTest();

test('when retention periods are configured, then the Privacy Policy page states them', async ({
  page,
}) => {
  await page.goto('/legal/privacy');
  await expect(page.getByRole('heading', { name: 'How long' })).toBeVisible();
  await expect(page.getByText('are kept 45 days after we processed them')).toBeVisible();
  await expect(page.getByText('erased from our records after 60 days')).toBeVisible();
  // The others at their defaults.
  await expect(page.getByText('is deleted 1 day after the request')).toBeVisible();
  await expect(page.getByText('we keep no copy')).toBeVisible();
});
