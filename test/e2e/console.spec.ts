// The operator console of issue #5 in a real browser: an operator finds a customer's payment by
// email, reads its timeline and refunds part of it, and the customer's receipt shows the refund;
// API keys show their secret once; a webhook event is replayed; the audit chain verifies. The
// dashboard (issue 11) counts a payment, a decline and a refund as they happen.
import { randomUUID } from 'node:crypto';
import { test, expect } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import {
  CARDS,
  fillCard,
  signUpNewCustomer,
  watchConsole,
  watchConsoleInEveryTest,
} from './helpers/customer.ts';
import { openConsoleSection, signInAsAdmin } from './helpers/operator.ts';
import { payWithNewCard, startCheckout } from './helpers/shop.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

const consoleWatch = watchConsoleInEveryTest();

/** The operator works in a browser of their own, next to the customer's. */
async function operatorPage(
  browser: Browser,
): Promise<{ operator: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ baseURL });
  const operator = await context.newPage();
  const watch = watchConsole(operator);
  await signInAsAdmin(operator);
  return {
    operator,
    close: async () => {
      expect(watch.unexpected(), 'operator console errors').toEqual([]);
      await context.close();
    },
  };
}

test('when an operator refunds part of a customer’s payment from the console, then the customer’s order shows the partial refund', async ({
  page,
  browser,
}) => {
  const customer = await signUpNewCustomer(page);
  const total = '$107.00'; // 2 × $24.00 + 1 × $59.00
  const orderId = await startCheckout(
    page,
    { 'Espresso beans, 1 kg': 2, 'Pour-over kettle': 1 },
    total,
  );
  await payWithNewCard(page, orderId, total, CARDS.visa);

  const { operator, close } = await operatorPage(browser);
  await operator
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Console' })
    .click();
  // The console opens on its dashboard; payments are one step away.
  await expect(operator).toHaveURL(/\/console$/);
  await expect(operator.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await openConsoleSection(operator, 'Payments');
  await expect(operator).toHaveURL(/\/console\/payments$/);

  // Find the payment by the customer's email; the filter lives in the address.
  await operator.getByLabel('Customer email').fill(customer.email);
  await operator.getByRole('button', { name: 'Apply filters' }).click();
  await expect(operator).toHaveURL((url) => url.searchParams.get('email') === customer.email);
  const rows = operator.getByTestId('payment-row');
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText(customer.email);
  await expect(rows).toContainText(total);
  await expect(rows).toContainText('Succeeded');
  // The row's time, id, customer and amount each open the payment.
  const detailHref = await rows.getByRole('link').first().getAttribute('href');
  expect(detailHref).toMatch(/^\/console\/payments\/[0-9a-f-]{36}$/);
  for (const name of [customer.email, total, detailHref!.split('/').pop()!.slice(0, 8)]) {
    await expect(rows.getByRole('link', { name, exact: true })).toHaveAttribute(
      'href',
      detailHref!,
    );
  }
  await rows.getByRole('link', { name: total, exact: true }).click();

  // The detail page: summary (naming the card, not its pm_… id), customer, items and a timeline.
  await expect(
    operator.getByRole('heading', { level: 1, name: `Payment of ${total}` }),
  ).toBeVisible();
  const summary = operator.getByRole('region', { name: 'Summary' });
  await expect(summary).toContainText('Visa •••• 4242');
  await expect(summary).toContainText('Expires 12/34');
  await expect(summary).not.toContainText('pm_');
  await expect(operator.getByRole('region', { name: 'Customer' })).toContainText(customer.email);
  await expect(operator.getByRole('region', { name: 'Order items' })).toContainText(
    'Pour-over kettle',
  );
  const timeline = operator.getByRole('region', { name: 'Timeline' });
  await expect(timeline.getByTestId('timeline-entry').first()).toBeVisible();
  await expect(timeline).toContainText('payment.created');
  await expect(timeline).toContainText('Stripe request');
  // Stripe's payment_intent.succeeded arrives by webhook, a moment after the payment.
  await expect(async () => {
    await operator.reload();
    await expect(timeline).toContainText('payment_intent.succeeded', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  // Refund $10.00 of it, after confirming the amount.
  const refund = operator.getByRole('region', { name: 'Refund' });
  await refund.getByLabel('Refund part of the amount').check();
  await refund.getByLabel(/Amount to refund/).fill('10');
  await refund.getByLabel('Reason').selectOption('requested_by_customer');
  await refund.getByRole('button', { name: 'Refund amount…' }).click();
  const dialog = operator.getByRole('dialog', { name: 'Refund $10.00?' });
  await expect(dialog).toContainText('$10.00 goes back to the customer’s card');
  await dialog.getByRole('button', { name: 'Refund $10.00' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(refund.getByRole('status')).toContainText('$10.00 was refunded');
  await expect(operator.getByRole('region', { name: 'Summary' })).toContainText(
    'Partially refunded',
  );
  await expect(
    operator.getByRole('region', { name: 'Refunds' }).getByTestId('refund'),
  ).toContainText('$10.00');
  await expect(timeline).toContainText('refund.created');
  await close();

  // The customer sees it on their receipt.
  await page.goto(`/orders/${orderId}`);
  await expect(page.locator('.receipt__head')).toContainText('Partially refunded');
  await expect(page.locator('.facts')).toContainText('Refunded$10.00');
  await expect(page.getByRole('region', { name: 'Refunds' })).toContainText('$10.00');
  // The card was not saved; the receipt names it all the same.
  await expect(page.getByTestId('receipt-payment')).toContainText('Visa •••• 4242');
});

test('when an operator creates an API key, then its secret is shown once and never again', async ({
  page,
}) => {
  await signInAsAdmin(page);
  await page.goto('/console/api-keys');
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();

  const name = `E2E key ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('checkbox', { name: 'orders:read' }).check();
  await page.getByRole('checkbox', { name: 'payments:read' }).check();
  await page.getByRole('button', { name: 'Create key' }).click();

  const created = page.getByRole('region', { name: 'New secret key' });
  await expect(created).toContainText('will not be shown again');
  const secretField = created.getByLabel('Secret key');
  const secret = await secretField.inputValue();
  expect(secret).toMatch(/^pd_sk_/);
  await expect(created.getByRole('button', { name: 'Copy' })).toBeVisible();

  const row = page.getByTestId('api-key-row').filter({ hasText: name });
  await expect(row).toContainText('orders:read');
  await expect(row).toContainText(secret.slice(0, 10));

  await created.getByRole('button', { name: 'I have stored it' }).click();
  await expect(created).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('api-key-row').filter({ hasText: name })).toBeVisible();
  expect(await page.content()).not.toContain(secret);

  // Revoking asks first.
  await row.getByRole('button', { name: 'Revoke' }).click();
  const dialog = page.getByRole('dialog', { name: `Revoke “${name}”?` });
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('api-key-row').filter({ hasText: name })).toContainText('Revoked');
});

test('when an operator replays a webhook event, then it is processed again and the log says so', async ({
  page,
  browser,
}) => {
  // A payment makes Stripe send events.
  await signUpNewCustomer(page);
  const orderId = await startCheckout(page, { 'Paper filters (100)': 1 }, '$6.00');
  await payWithNewCard(page, orderId, '$6.00', CARDS.visa);

  const { operator, close } = await operatorPage(browser);
  await operator.goto('/console/webhooks');
  await expect(operator.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
  await operator.getByLabel('Event type').fill('payment_intent.succeeded');
  await operator.getByRole('button', { name: 'Apply filters' }).click();
  const first = operator.getByTestId('webhook-row').first();
  await expect(first).toContainText('payment_intent.succeeded');
  await first.getByRole('link').click();

  await expect(
    operator.getByRole('heading', { level: 1, name: 'payment_intent.succeeded' }),
  ).toBeVisible();
  await expect(operator.getByRole('region', { name: 'Payload' })).toContainText(
    '"type": "payment_intent.succeeded"',
  );
  await operator.getByRole('button', { name: 'Replay event' }).click();
  await expect(operator.getByRole('status').filter({ hasText: 'Event replayed' })).toBeVisible();
  await expect(operator.getByRole('region', { name: 'Event' })).toContainText('Processed');
  await close();
});

test('when an operator verifies the audit chain, then the console reports it intact', async ({
  page,
}) => {
  await signInAsAdmin(page);
  await page.goto('/console/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'The audit chain is intact' }),
  ).toContainText(/\d+ entries checked/);
  await openConsoleSection(page, 'Reconciliation');
  await page.getByRole('button', { name: 'Run now' }).click();
  await expect(page.getByTestId('reconciliation-run').first()).toContainText('payments checked');
});

test('when an operator looks a customer up and manages the catalog, then the lookup links to their payments and product edits are saved', async ({
  page,
  browser,
}) => {
  const customer = await signUpNewCustomer(page);
  const { operator, close } = await operatorPage(browser);

  await operator.goto('/console/customers');
  await operator.getByLabel('Email or name').fill(customer.name);
  await operator.getByRole('button', { name: 'Find customers' }).click();
  const row = operator.getByTestId('customer-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(customer.email);
  await row.getByRole('link', { name: `Payments by ${customer.email}` }).click();
  await expect(operator).toHaveURL(
    (url) =>
      url.pathname === '/console/payments' && url.searchParams.get('email') === customer.email,
  );
  await expect(operator.getByLabel('Customer email')).toHaveValue(customer.email);
  await expect(operator.getByText('No payments match these filters.')).toBeVisible();

  // Catalog: a hidden product (so the shop's other tests see the usual catalog), then a new price.
  await openConsoleSection(operator, 'Catalog');
  const name = `Console test product ${Date.now()}`;
  const form = operator.getByRole('region', { name: 'Add a product' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Price').fill('12.5');
  await form.getByLabel('For sale in the shop').uncheck();
  await form.getByRole('button', { name: 'Add product' }).click();
  await expect(
    operator.getByRole('status').filter({ hasText: `${name} was added.` }),
  ).toBeVisible();
  const product = operator.getByTestId('product-row').filter({ hasText: name });
  await expect(product).toContainText('$12.50');
  await expect(product).toContainText('Hidden');

  await product.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = operator.getByRole('region', { name: `Edit ${name}` });
  await expect(edit.getByLabel('Name')).toBeFocused();
  await edit.getByLabel('Price').fill('14');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(
    operator.getByRole('status').filter({ hasText: `${name} was saved.` }),
  ).toBeVisible();
  await expect(product).toContainText('$14.00');
  await close();
});

/** The figure a dashboard tile shows in large type, as a number ("1,204" → 1204). */
async function tileCount(page: Page, testId: string): Promise<number> {
  const text = await page.getByTestId(testId).locator('dd').innerText();
  return Number(text.split('\n')[0]!.replace(/[^\d]/g, ''));
}

test('when a customer pays, is declined and is refunded, then the operator’s dashboard counts each, with its chart, and fits a phone', async ({
  page,
  browser,
}) => {
  consoleWatch.expect(/status of 402 \(Payment Required\)/);
  const { operator, close } = await operatorPage(browser);
  await operator
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Console' })
    .click();
  await expect(operator.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const windows = operator.getByRole('navigation', { name: 'Window' });
  await expect(windows.getByRole('link', { name: '24 hours' })).toHaveAttribute(
    'aria-current',
    'page',
  );
  await windows.getByRole('link', { name: '1 hour' }).click();
  await expect(operator).toHaveURL(/\/console\?window=1h$/);
  await expect(windows.getByRole('link', { name: '1 hour' })).toHaveAttribute(
    'aria-current',
    'page',
  );
  await expect(operator.getByTestId('tile-payments')).toBeVisible();
  const before = {
    payments: await tileCount(operator, 'tile-payments'),
    refunds: await tileCount(operator, 'tile-refunds'),
  };

  // The customer: one payment that goes through, one that the bank declines.
  await signUpNewCustomer(page);
  const total = '$24.00';
  const paidOrder = await startCheckout(page, { 'Espresso beans, 1 kg': 1 }, total);
  await payWithNewCard(page, paidOrder, total, CARDS.visa);
  await startCheckout(page, { 'Espresso beans, 1 kg': 1 }, total);
  await fillCard(page, CARDS.insufficientFunds);
  await page.getByRole('button', { name: `Pay ${total}` }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Your payment did not go through' }),
  ).toContainText('insufficient funds');

  // The operator refunds $5.00 of the paid order (through the operator API the console uses).
  const { csrf_token: csrf } = (await (await operator.request.get('/api/auth/session')).json()) as {
    csrf_token: string;
  };
  const refund = await operator.request.post(`/api/admin/orders/${paidOrder}/refunds`, {
    data: { amount: 500 },
    headers: { 'x-csrf-token': csrf, 'idempotency-key': randomUUID() },
  });
  expect(refund.status(), await refund.text()).toBe(200);

  // The dashboard reads the database again: every figure moved. Stripe's call figures reach
  // the database within a few seconds (each process stores its counts every 5 s).
  await expect(async () => {
    await operator.reload();
    expect(await tileCount(operator, 'tile-payments')).toBe(before.payments + 2);
    expect(await tileCount(operator, 'tile-refunds')).toBe(before.refunds + 1);
    await expect(operator.getByTestId('tile-stripe-latency').locator('dd')).toContainText(
      /\d+(\.\d)? m?s/,
      { timeout: 500 },
    );
  }).toPass({ timeout: 20_000 });
  await expect(operator.getByTestId('tile-success-rate').locator('dd')).toContainText('%');
  await expect(operator.getByTestId('tile-authorization-rate').locator('dd')).toContainText('%');
  await expect(operator.getByTestId('tile-refunds')).toContainText('$');
  const declines = operator.getByRole('region', { name: 'Decline reasons' });
  await expect(declines.getByRole('link', { name: 'Insufficient funds' })).toHaveAttribute(
    'href',
    '/console/payments?decline_code=insufficient_funds',
  );
  const chart = operator.getByRole('region', { name: 'Payments over time' });
  await expect(chart.getByTestId('payments-chart').locator('canvas')).toBeVisible();
  await chart.getByText('The same figures as a table').click();
  await expect(chart.getByRole('table')).toBeVisible();
  const alerts = operator.getByRole('region', { name: 'Alerts firing now' });
  await expect(alerts.getByRole('link', { name: 'All alerts' })).toHaveAttribute(
    'href',
    '/console/alerts',
  );
  await expect(operator.getByRole('region', { name: 'Last reconciliation' })).toBeVisible();
  await expect(operator.getByRole('region', { name: 'Payments waiting' })).toBeVisible();

  // A phone: the page does not scroll sideways, the chart follows the width.
  await operator.setViewportSize({ width: 390, height: 844 });
  await operator.reload();
  await expect(chart.getByTestId('payments-chart').locator('canvas')).toBeVisible();
  expect(await operator.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    390,
  );
  await close();
});
