// What a customer notices in the pages (issue #10): the card named on a receipt whether or not it
// was saved, a Pay button that keeps its name while the bank answers and a 3-D Secure challenge
// that takes the keyboard, orders that show a refund without a reload, a missing order, the
// checkout's header with the account and sign-out, a phone-width layout, and (issue 12) a payment
// left waiting for 3-D Secure that the customer cancels from the order page.
import { test, expect } from '@playwright/test';
import type { APIRequestContext, Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import {
  CARDS,
  CARD_FRAME,
  CHALLENGE_FRAME,
  fillCard,
  signUpNewCustomer,
  watchConsoleInEveryTest,
} from './helpers/customer.ts';
import { DEMO_ADMIN } from './helpers/operator.ts';
import { payWithNewCard, startCheckout } from './helpers/shop.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

const consoleWatch = watchConsoleInEveryTest();

/** An operator's backend call: a refund through the operator API, signed in as the demo admin. */
async function refundAsOperator(
  request: APIRequestContext,
  orderId: string,
  amount?: number,
): Promise<void> {
  const login = await request.post('/api/auth/login', {
    data: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  });
  expect(login.status()).toBe(200);
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  const refund = await request.post(`/api/admin/orders/${orderId}/refunds`, {
    data: amount === undefined ? {} : { amount },
    headers: { 'x-csrf-token': csrf, 'idempotency-key': randomUUID() },
  });
  expect(refund.status(), await refund.text()).toBe(200);
}

/** Every link of the main navigation sits on one line. */
async function expectNavOnOneLine(page: Page): Promise<void> {
  const tops = await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link')
    .evaluateAll((links) => links.map((link) => Math.round(link.getBoundingClientRect().top)));
  expect(tops.length).toBeGreaterThan(2);
  expect(new Set(tops).size, `link tops ${tops.join(', ')}`).toBe(1);
}

test('when a customer pays with a new card through 3-D Secure without saving it, then the Pay button keeps its name, the challenge takes the keyboard and the receipt names the card', async ({
  page,
}) => {
  await signUpNewCustomer(page);
  const total = '$32.00';
  const orderId = await startCheckout(page, { 'Ceramic dripper': 1 }, total);

  // The checkout's header leads to the account and signs out, like the rest of the app.
  const banner = page.getByRole('banner');
  await expect(banner.getByRole('link', { name: 'Account' })).toHaveAttribute('href', '/account');
  await expect(banner.getByRole('button', { name: 'Sign out' })).toBeVisible();

  await fillCard(page, CARDS.threeDSecure);
  await page.getByRole('button', { name: `Pay ${total}` }).click();

  // While the bank asks, the button is busy but still called "Pay $32.00".
  const pay = page.getByRole('button', { name: `Pay ${total}` });
  await expect(pay).toHaveAttribute('aria-busy', 'true');
  await expect(pay).toBeDisabled();

  // The challenge takes focus, so a keyboard user answers it without a mouse.
  const challenge = page.frameLocator(CHALLENGE_FRAME);
  await expect(page.locator(CHALLENGE_FRAME)).toBeFocused();
  await expect(challenge.getByRole('heading', { name: '3D Secure 2 Test Page' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(challenge.getByRole('button', { name: 'Complete authentication' })).toBeFocused();
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL((url) => url.pathname === `/orders/${orderId}`);
  await expect(page.getByText('Thank you — your payment went through')).toBeVisible();
  // The card was never saved, yet the receipt names it.
  const payment = page.getByTestId('receipt-payment');
  await expect(payment).toContainText('Visa •••• 3184');
  await expect(payment).toContainText(`· ${total}`);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Wallet' })
    .click();
  await expect(page.getByText('No saved cards yet.')).toBeVisible();
});

test('when an operator refunds a customer’s order, then the customer’s orders list shows it without a reload', async ({
  page,
  playwright,
}) => {
  await signUpNewCustomer(page);
  const total = '$24.00';
  const orderId = await startCheckout(page, { 'Espresso beans, 1 kg': 1 }, total);
  await payWithNewCard(page, orderId, total, CARDS.visa);

  const orders = page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Orders' });
  await orders.click();
  const row = page.getByRole('listitem').filter({ hasText: 'Espresso beans, 1 kg' });
  await expect(row).toContainText('Paid');

  const operator = await playwright.request.newContext({ baseURL });
  try {
    // Part of it while the customer looks at the list: coming back to the window shows it.
    await refundAsOperator(operator, orderId, 1000);
    await page.evaluate(() =>
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true })),
    );
    await expect(row).toContainText('Partially refunded');

    // The rest while they are elsewhere in the app: opening the list again shows it.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Shop' })
      .click();
    await expect(page.getByRole('heading', { name: 'Shop', level: 1 })).toBeVisible();
    await refundAsOperator(operator, orderId);
    await orders.click();
    await expect(row).toContainText('Refunded');
    await expect(row).not.toContainText('Partially');
  } finally {
    await operator.dispose();
  }
});

test('when a customer opens an order that does not exist, then the page says so and leads back to their orders', async ({
  page,
}) => {
  consoleWatch.expect(/status of 404 \(Not Found\)/);
  await signUpNewCustomer(page);
  await page.goto(`/orders/${randomUUID()}`);

  await expect(page.getByRole('heading', { level: 1, name: 'Order not found' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await page.getByRole('link', { name: 'See your orders' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/orders');
  await expect(page.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
});

test('when the screen is 390 px wide, then the header keeps its navigation on one line and the card field shows every part', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUpNewCustomer(page);
  await expectNavOnOneLine(page);

  await startCheckout(page, { 'Paper filters (100)': 1 }, '$6.00');
  await expectNavOnOneLine(page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // Expiry, CVC and ZIP are each wide enough for what they say; the number has room to be read.
  const frame = await (await page.locator(CARD_FRAME).elementHandle())!.contentFrame();
  await expect(frame!.locator('[name="cardnumber"]')).toBeVisible();
  const fields = await frame!.evaluate(() => {
    const context = document.createElement('canvas').getContext('2d')!;
    return Array.from(document.querySelectorAll('input'), (input) => {
      const style = getComputedStyle(input);
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      return {
        name: input.name,
        width: input.clientWidth,
        needed: Math.ceil(context.measureText(input.placeholder).width),
      };
    });
  });
  for (const field of fields)
    expect(field.width, `${field.name}: ${JSON.stringify(field)}`).toBeGreaterThanOrEqual(
      field.needed,
    );
  expect(fields.find((field) => field.name === 'cardnumber')!.width).toBeGreaterThanOrEqual(100);
  await fillCard(page, CARDS.visa);
});

test('when a customer signs out from the checkout, then the sign-in page says they signed out', async ({
  page,
}) => {
  await signUpNewCustomer(page);
  const orderId = await startCheckout(page, { 'Paper filters (100)': 1 }, '$6.00');

  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/login');
  await expect(page.getByText('You have signed out.')).toBeVisible();
  await page.goto(`/checkout/${orderId}`);
  await expect(page).toHaveURL(
    (url) => url.pathname === '/login' && url.searchParams.get('next') === `/checkout/${orderId}`,
  );
});

test('when a customer walks away from a 3-D Secure challenge, then the orders list points to it and the order page cancels the payment, leaving the order payable', async ({
  page,
}) => {
  await signUpNewCustomer(page);
  const total = '$32.00';
  const orderId = await startCheckout(page, { 'Ceramic dripper': 1 }, total);
  await fillCard(page, CARDS.threeDSecure);
  await page.getByRole('button', { name: `Pay ${total}` }).click();
  await expect(page.locator(CHALLENGE_FRAME)).toBeVisible();

  // They leave the challenge unanswered.
  await page.goto('/orders');
  const row = page.getByRole('listitem').filter({ hasText: 'Ceramic dripper' });
  await expect(row).toContainText('Needs your confirmation');
  await row.getByRole('link', { name: /confirm or cancel this payment/ }).click();
  await expect(page).toHaveURL((url) => url.pathname === `/orders/${orderId}`);

  // Asking first; "Keep it" changes nothing.
  await page.getByRole('button', { name: 'Cancel this payment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this payment?' });
  await expect(dialog).toContainText('nothing is charged');
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await expect(dialog).toHaveCount(0);

  await page.getByRole('button', { name: 'Cancel this payment' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel payment' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The payment was canceled' }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel this payment' })).toHaveCount(0);
  await expect(page.getByTestId('receipt-payment')).toContainText('Canceled');

  // The order is payable again, with another card.
  await page.getByRole('link', { name: 'Pay now' }).click();
  await payWithNewCard(page, orderId, total, CARDS.visa);
  await expect(page.getByText('Thank you — your payment went through')).toBeVisible();
});
