import { readFile } from 'node:fs/promises';
// The customer journey of issue #5 in a real browser against Paydeck and the Stripe simulator:
// wallet (SetupIntent), shop, checkout with a saved card, a new card with 3-D Secure (passed and
// failed) and a decline followed by another card; receipts and the orders list.
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import {
  CARDS,
  CARD_FRAME,
  CHALLENGE_FRAME,
  fillCard,
  screenshot,
  signUpNewCustomer,
  watchConsoleInEveryTest,
} from './helpers/customer.ts';

test.use({ baseURL: process.env.E2E_BASE_URL ?? 'http://localhost:3000' });

const DECLINE_402 = /status of 402 \(Payment Required\)/;

const consoleWatch = watchConsoleInEveryTest();

/** Chooses quantities in the shop, checks the total and goes to checkout; returns the order id. */
async function buy(
  page: Page,
  quantities: Record<string, number>,
  total: string,
  { screenshotAs }: { screenshotAs?: string } = {},
): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Shop' }).click();
  await expect(page.getByRole('heading', { name: 'Shop', level: 1 })).toBeVisible();
  for (const [product, quantity] of Object.entries(quantities)) {
    const input = page.getByLabel(`Quantity of ${product}`);
    await input.fill(String(quantity));
    await expect(input).toHaveValue(String(quantity));
  }
  await expect(page.getByTestId('shop-total')).toHaveText(total);
  if (screenshotAs) await screenshot(page, screenshotAs);
  await page.getByRole('button', { name: 'Checkout' }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  await expect(page.getByTestId('amount-due')).toHaveText(total);
  return page.url().split('/').pop()!;
}

async function pay(page: Page, total: string): Promise<void> {
  await page.getByRole('button', { name: `Pay ${total}` }).click();
}

async function expectPaidReceipt(page: Page, orderId: string, total: string): Promise<void> {
  await expect(page).toHaveURL(
    (url) => url.pathname === `/orders/${orderId}` && url.search === '?paid=1',
  );
  await expect(page.getByText('Thank you — your payment went through')).toBeVisible();
  await expect(page.locator('.receipt__head').getByText('Paid', { exact: true })).toBeVisible();
  await expect(page.getByTestId('order-total')).toHaveText(total);
  await expect(page.getByRole('link', { name: 'Pay now' })).toHaveCount(0);
}

test('when a new customer saves a card and buys two products with it, then the order is paid with the right amount', async ({
  page,
}) => {
  await signUpNewCustomer(page);

  // Wallet: add 4242 through a SetupIntent.
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Wallet' })
    .click();
  await expect(page.getByText('No saved cards yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Add a card' }).click();
  await expect(page.locator(CARD_FRAME)).toBeVisible();
  await fillCard(page, CARDS.visa);
  await page.getByRole('button', { name: 'Save card' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Visa ending in 4242 was saved.' }),
  ).toBeVisible();
  const saved = page.getByTestId('saved-card');
  await expect(saved).toHaveCount(1);
  await expect(saved).toContainText('Visa');
  await expect(saved).toContainText('•••• 4242');
  await expect(saved).toContainText('Expires 12/34');
  await expect(saved).toContainText('Default');
  await screenshot(page, 'wallet', { forReadme: true });

  // Shop: two products; the price shown is the catalog's, the order is priced by the server.
  const total = '$107.00'; // 2 × $24.00 + 1 × $59.00
  const orderId = await buy(page, { 'Espresso beans, 1 kg': 2, 'Pour-over kettle': 1 }, total, {
    screenshotAs: 'shop',
  });

  // Checkout: the saved card is preselected.
  await expect(page.getByRole('radio', { name: /Visa/ })).toBeChecked();
  await expect(page.getByRole('row', { name: /Espresso beans, 1 kg/ })).toContainText('$48.00');
  await screenshot(page, 'checkout', { forReadme: true });
  await pay(page, total);

  await expectPaidReceipt(page, orderId, total);
  await expect(page.getByRole('region', { name: 'Payments' })).toContainText('Succeeded');
  await screenshot(page, 'receipt');

  await page.getByRole('link', { name: '← All orders' }).click();
  const row = page.getByRole('listitem').filter({ hasText: 'Espresso beans, 1 kg and 1 more' });
  await expect(row).toContainText(total);
  await expect(row).toContainText('Paid');
  await screenshot(page, 'orders');
});

test('when a new card needs 3-D Secure and the customer completes it, then the order is paid', async ({
  page,
}) => {
  await signUpNewCustomer(page);
  const total = '$32.00';
  const orderId = await buy(page, { 'Ceramic dripper': 1 }, total);

  // No saved cards: "New card" is the only choice.
  await expect(page.getByRole('radio', { name: 'New card' })).toBeChecked();
  await fillCard(page, CARDS.threeDSecure);

  // Usable on a 360 px phone: nothing wider than the screen.
  await page.setViewportSize({ width: 360, height: 740 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await screenshot(page, 'checkout-new-card-360');
  await page.setViewportSize({ width: 1280, height: 720 });
  await pay(page, total);
  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Complete authentication' })
    .click();

  await expectPaidReceipt(page, orderId, total);
});

test('when the customer fails 3-D Secure, then a clear message is shown and the order can still be paid', async ({
  page,
}) => {
  await signUpNewCustomer(page);
  const total = '$6.00';
  const orderId = await buy(page, { 'Paper filters (100)': 1 }, total);

  await fillCard(page, CARDS.threeDSecure);
  await pay(page, total);
  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Fail authentication' })
    .click();

  const alert = page.getByRole('alert').filter({ hasText: 'Your payment did not go through' });
  await expect(alert).toContainText(/unable to authenticate/i);
  await expect(page.locator(CHALLENGE_FRAME)).toHaveCount(0);
  await expect(page).toHaveURL((url) => url.pathname === `/checkout/${orderId}`);
  await expect(page.getByRole('button', { name: `Pay ${total}` })).toBeEnabled();

  // Still payable: the receipt offers "Pay now", and another card goes through.
  await fillCard(page, CARDS.visa);
  await pay(page, total);
  await expectPaidReceipt(page, orderId, total);
  await expect(page.getByRole('region', { name: 'Payments' })).toContainText('Succeeded');
});

test('when the card has insufficient funds, then the decline is explained and another card pays the order', async ({
  page,
}) => {
  consoleWatch.expect(DECLINE_402);
  await signUpNewCustomer(page);
  const total = '$120.00';
  const orderId = await buy(page, { 'Barista course': 1 }, total);

  await fillCard(page, CARDS.insufficientFunds);
  await pay(page, total);
  const alert = page.getByRole('alert').filter({ hasText: 'Your payment did not go through' });
  await expect(alert).toContainText('Your card has insufficient funds.');
  // Focus moves to the message, so keyboard and screen-reader users land on it.
  await expect(page.locator('.payment-form__failure')).toBeFocused();
  await expect(page.getByRole('button', { name: `Pay ${total}` })).toBeEnabled();

  // The receipt shows the failed attempt and offers to pay.
  await page.goto(`/orders/${orderId}`);
  await expect(page.getByRole('region', { name: 'Payments' })).toContainText('Failed');
  await page.getByRole('link', { name: 'Pay now' }).click();
  await expect(page).toHaveURL((url) => url.pathname === `/checkout/${orderId}`);

  await fillCard(page, CARDS.visa);
  await pay(page, total);
  await expectPaidReceipt(page, orderId, total);
});

test('when a customer manages the wallet, then cards can be added, made default and removed after confirming', async ({
  page,
}) => {
  const customer = await signUpNewCustomer(page);
  await page.goto('/wallet');
  for (const number of [CARDS.visa, '5555555555554444']) {
    await page.getByRole('button', { name: 'Add a card' }).click();
    await fillCard(page, number);
    await page.getByRole('button', { name: 'Save card' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: `ending in ${number.slice(-4)} was saved.` }),
    ).toBeVisible();
  }
  const visa = page.getByTestId('saved-card').filter({ hasText: '4242' });
  const mastercard = page.getByTestId('saved-card').filter({ hasText: '4444' });
  await expect(visa).toContainText('Default');
  await expect(mastercard).not.toContainText('Default');

  await mastercard.getByRole('button', { name: 'Make default' }).click();
  await expect(mastercard).toContainText('Default');
  await expect(visa).not.toContainText('Default');

  // Removing asks first; "Keep card" changes nothing.
  await visa.getByRole('button', { name: 'Remove' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove this card?' });
  await expect(dialog).toContainText('Visa ending in 4242');
  await dialog.getByRole('button', { name: 'Keep card' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('saved-card')).toHaveCount(2);

  await visa.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove card' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Visa ending in 4242 was removed.' }),
  ).toBeVisible();
  await expect(page.getByTestId('saved-card')).toHaveCount(1);
  await expect(mastercard).toContainText('Default');

  // Account: the export downloads a JSON file with the saved card; deletion asks for the password,
  // signs the customer out and says it was done.
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Account' })
    .click();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download my data' }).click();
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the file Playwright downloaded
  const exported = JSON.parse(await readFile((await (await download).path())!, 'utf8'));
  expect(exported.payment_methods).toEqual([
    expect.objectContaining({ brand: 'mastercard', last4: '4444' }),
  ]);
  // A wrong password (403) and, after deletion, signing in again (401) are expected refusals.
  consoleWatch.expect(/status of 403 \(Forbidden\)/);
  consoleWatch.expect(/status of 401 \(Unauthorized\)/);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  const deletion = page.getByRole('dialog', { name: 'Delete your account?' });
  const password = deletion.getByLabel('Your password');
  await expect(password).toBeFocused();
  await deletion.getByRole('button', { name: 'Delete my account' }).click();
  await expect(password).toHaveAccessibleDescription('Enter your password to delete your account.');
  await password.fill('not my password');
  await password.press('Enter');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAccessibleDescription(/password is incorrect/);
  await expect(password).toBeFocused();
  await expect(page).toHaveURL(/\/account$/);

  await password.fill(customer.password);
  await deletion.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/login$/);
  const deleted = page.getByRole('status').filter({ hasText: 'Your account was deleted' });
  await expect(deleted).toBeVisible();
  // It says what went, and what stays without the name or email, and why.
  const removed = deleted.getByRole('list', { name: 'Removed' });
  await expect(removed).toContainText('Your name, email address and password');
  await expect(removed).toContainText('Your saved cards, here and at Stripe');
  const kept = deleted.getByRole('list', { name: 'Kept anonymised' });
  await expect(kept).toContainText(
    /Which version of the Terms and the Privacy Policy you accepted, and when \(2\)\. Proof/,
  );
  await expect(kept).toContainText('The security log');
  await screenshot(page, 'account-deleted');
  // The account is gone: its password no longer signs in.
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not sign you in' })).toBeVisible();
});

test('when a signed-out customer opens a checkout link, then signing in brings them to that checkout', async ({
  page,
}) => {
  const customer = await signUpNewCustomer(page);
  const orderId = await buy(page, { 'Paper filters (100)': 2 }, '$12.00');
  await page.goto('/orders');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto(`/checkout/${orderId}`);
  await expect(page).toHaveURL(
    (url) => url.pathname === '/login' && url.searchParams.get('next') === `/checkout/${orderId}`,
  );
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL((url) => url.pathname === `/checkout/${orderId}`);
  await expect(page.getByTestId('amount-due')).toHaveText('$12.00');
});
