// The add-card limit as a customer meets it, on a system of its own started with a limit of two
// cards an hour: each card counts once (its SetupIntent does not count against saving it), and the
// refusal says what to do in one sentence.
import { test, expect } from '@playwright/test';
import { CARD_FRAME, fillCard, signUpNewCustomer, watchConsole } from './helpers/customer.ts';
import { startSystem, type RunningSystem } from '../helpers/system.ts';

let system: RunningSystem;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  system = await startSystem({ RATE_LIMIT_ADD_CARD_PER_HOUR: '2' });
});

test.afterAll(async () => {
  await system?.close();
});

test('when a customer adds cards up to the hourly limit, then each card counts once and the refusal is one sentence', async ({
  browser,
}) => {
  const context = await browser.newContext({ baseURL: system.baseUrl });
  const page = await context.newPage();
  const consoleWatch = watchConsole(page);
  consoleWatch.expect(/status of 429 \(Too Many Requests\)/);

  await signUpNewCustomer(page);
  await page.goto('/wallet');
  for (const number of ['4242424242424242', '5555555555554444']) {
    await page.getByRole('button', { name: 'Add a card' }).click();
    await fillCard(page, number);
    await page.getByRole('button', { name: 'Save card' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: `ending in ${number.slice(-4)} was saved.` }),
    ).toBeVisible();
  }
  await expect(page.getByTestId('saved-card')).toHaveCount(2);

  // A third card within the hour is refused: the reason and the wait, said once.
  await page.getByRole('button', { name: 'Add a card' }).click();
  await expect(page.locator(CARD_FRAME)).toBeVisible();
  await fillCard(page, '4000056655665556');
  await page.getByRole('button', { name: 'Save card' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The card could not be saved' });
  await expect(alert).toBeVisible();
  await expect(alert.getByText(/^Too many requests\. Try again in \d+ minutes\.$/)).toBeVisible();
  await expect(alert).not.toContainText('Try again later');
  await expect(page.getByTestId('saved-card')).toHaveCount(2);

  expect(consoleWatch.unexpected(), 'console errors').toEqual([]);
  await context.close();
});
