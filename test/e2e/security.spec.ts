// Evidence for SPEC.md §2 "PCI DSS" and the strict CSP, in a real browser:
// (a) no card number reaches Paydeck — not in any request the browser sends to our origin while
//     cards are saved and paid with (plain and 3-D Secure), not in the server's logs, not in
//     any row of its database;
// (b) every HTML page carries a Content-Security-Policy and runs without violating it, the
//     checkout with Stripe.js's card frame and 3-D Secure frame included;
// (c) screenshots of the main pages (test-results/screenshots; console ones also in docs/).
import { test, expect } from '@playwright/test';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { findCardNumbers } from '../helpers/pci.ts';
import {
  CARDS,
  CARD_FRAME,
  CHALLENGE_FRAME,
  fillCard,
  screenshot,
  signUpNewCustomer,
} from './helpers/customer.ts';
import { signInAsAdmin } from './helpers/operator.ts';
import { payWithNewCard, startCheckout } from './helpers/shop.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
const ourOrigin = new URL(baseURL).origin;
test.use({ baseURL });
// (a) then its log and database scan: the second test reads what the first one left behind.
test.describe.configure({ mode: 'serial' });

interface Recorded {
  url: string;
  text: string;
}

/** Records every request the browser context sends, with its headers and body, by origin. */
function recordRequests(context: BrowserContext) {
  const pending: Promise<void>[] = [];
  const ours: Recorded[] = [];
  const others: Recorded[] = [];
  context.on('request', (request: Request) => {
    pending.push(
      (async () => {
        const headers = await request.allHeaders().catch(() => request.headers());
        const body = request.postDataBuffer()?.toString('utf8') ?? '';
        const url = request.url();
        const text = [
          `${request.method()} ${url}`,
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
          '',
          body,
        ].join('\n');
        (new URL(url).origin === ourOrigin ? ours : others).push({ url, text });
      })(),
    );
  });
  return {
    async settle() {
      await Promise.all(pending);
      return { ours, others };
    },
  };
}

function cardNumbersIn(records: Recorded[]): { url: string; digits: string }[] {
  return records.flatMap((record) =>
    findCardNumbers(record.text).map((hit) => ({ url: record.url, digits: hit.digits })),
  );
}

test('when a customer saves a card and pays with new cards, with and without 3-D Secure, then no card number reaches our server', async ({
  page,
  context,
}) => {
  const recorder = recordRequests(context);
  await signUpNewCustomer(page);

  // Wallet: a card saved through a SetupIntent.
  await page.goto('/wallet');
  await page.getByRole('button', { name: 'Add a card' }).click();
  await fillCard(page, CARDS.visa);
  await page.getByRole('button', { name: 'Save card' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Visa ending in 4242 was saved.' }),
  ).toBeVisible();

  // Checkout with a new card, saved for later…
  const first = await startCheckout(page, { 'Ceramic dripper': 1 }, '$32.00');
  await page.getByRole('radio', { name: 'New card' }).check();
  await page.getByLabel('Save this card for later').check();
  await payWithNewCard(page, first, '$32.00', '5555555555554444');

  // …and with a new card that needs 3-D Secure.
  const second = await startCheckout(page, { 'Paper filters (100)': 1 }, '$6.00');
  await payWithNewCard(page, second, '$6.00', CARDS.threeDSecure, { threeDSecure: true });

  const { ours, others } = await recorder.settle();
  expect(ours.length, 'requests to our server were recorded').toBeGreaterThan(20);
  expect(
    ours.some((r) => r.url.includes('/api/orders/') && r.url.endsWith('/pay')),
    'the pay requests were recorded',
  ).toBe(true);
  expect(cardNumbersIn(ours)).toEqual([]);

  // Control: the numbers did travel — to Stripe (the simulator), from Stripe's own frame — so the
  // scan above would have seen them had they come our way.
  const toStripe = cardNumbersIn(others).map((hit) => hit.digits);
  expect(toStripe).toEqual(
    expect.arrayContaining([CARDS.visa, '5555555555554444', CARDS.threeDSecure]),
  );
});

test('when the server logs and database are scanned after card payments, then they hold no card number', async () => {
  const logFile = process.env.E2E_LOG_FILE;
  expect(logFile, 'E2E_LOG_FILE is set by test/e2e/global-setup.ts').toBeTruthy();
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the path global setup chose
  const log = await readFile(logFile!, 'utf8');
  // What startPaydeck's logger writes (infrastructure, jobs, webhook processing) at level info.
  // The HTTP layer's own Fastify logger is built from LOG_LEVEL and writes to stdout; the runtime
  // offers no way to point it at this file yet (see the report on issue #5).
  expect(log, 'the server wrote its log').toContain('"service":"paydeck"');
  expect(findCardNumbers(log).map((hit) => hit.digits)).toEqual([]);

  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
    const names = tables.rows.map((t) => t.table_name);
    expect(names).toEqual(
      expect.arrayContaining([
        'payments',
        'payment_methods',
        'webhook_events',
        'audit_entries',
        'idempotency_keys',
      ]),
    );
    let rows = 0;
    const found: { table: string; digits: string }[] = [];
    for (const { table_schema: schema, table_name: table } of tables.rows) {
      const ident = `"${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
      const result = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${ident} t`,
      );
      rows += result.rows.length;
      for (const { row } of result.rows) {
        for (const hit of findCardNumbers(row))
          found.push({ table: `${schema}.${table}`, digits: hit.digits });
      }
    }
    expect(rows, 'the database holds the payments just made').toBeGreaterThan(10);
    expect(found).toEqual([]);
  } finally {
    await client.end();
  }
});

/** Collects CSP violations: the browser's console report and the securitypolicyviolation event, in every frame. */
async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `securitypolicyviolation: ${event.violatedDirective} blocked ${event.blockedURI} in ${event.documentURI}`,
      );
    });
  });
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|securitypolicyviolation/i.test(text)) violations.push(text);
  });
  return violations;
}

/** Opens an HTML page and checks it came with a Content-Security-Policy. */
async function openPage(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response, path).not.toBeNull();
  expect(response!.status(), path).toBe(200);
  expect(response!.headers()['content-type'], path).toContain('text/html');
  const csp = response!.headers()['content-security-policy'];
  expect(csp, `${path} has a Content-Security-Policy`).toBeTruthy();
  expect(csp, path).toContain("default-src 'self'");
  expect(csp, `${path}: no inline scripts allowed`).not.toContain("'unsafe-inline'");
  await page.waitForLoadState('networkidle');
}

test('when every page is opened, then each has a CSP header and none violates it, the checkout with its Stripe frames included', async ({
  page,
  browser,
}) => {
  // About twenty pages and a 3-D Secure payment in one journey: 47 s on a loaded machine, where
  // the default 60 s was once too short.
  test.slow();
  const violations = await watchCsp(page);

  // Signed out.
  for (const path of ['/login', '/signup', '/legal/terms']) await openPage(page, path);

  // A customer: every page, and a checkout that goes through Stripe's card frame and 3-D Secure.
  const customer = await signUpNewCustomer(page);
  for (const path of ['/', '/shop', '/wallet', '/orders', '/account', '/legal/terms'])
    await openPage(page, path);

  await page.goto('/wallet');
  await page.getByRole('button', { name: 'Add a card' }).click();
  await fillCard(page, CARDS.visa);
  await page.getByRole('button', { name: 'Save card' }).click();
  await expect(page.getByTestId('saved-card')).toHaveCount(1);
  await screenshot(page, 'wallet');

  await page.goto('/shop');
  await page.getByLabel('Quantity of Espresso beans, 1 kg').fill('2');
  await page.getByLabel('Quantity of Pour-over kettle').fill('1');
  await expect(page.getByTestId('shop-total')).toHaveText('$107.00');
  await screenshot(page, 'shop');
  await page.getByRole('button', { name: 'Checkout' }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  const orderId = new URL(page.url()).pathname.split('/').pop()!;
  await openPage(page, `/checkout/${orderId}`);
  await expect(page.locator(CARD_FRAME)).toBeAttached();
  await screenshot(page, 'checkout');
  await page.getByRole('radio', { name: 'New card' }).check();
  await fillCard(page, CARDS.threeDSecure);
  await page.getByRole('button', { name: 'Pay $107.00' }).click();
  await expect(page.locator(CHALLENGE_FRAME)).toBeVisible();
  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Complete authentication' })
    .click();
  await expect(page.getByText('Thank you — your payment went through')).toBeVisible();
  await screenshot(page, 'receipt');
  await openPage(page, `/orders/${orderId}`);
  await openPage(page, '/orders');
  await screenshot(page, 'orders');
  await openPage(page, '/console'); // a customer gets the explanation page, under the same CSP
  await expect(page.getByRole('heading', { name: 'You can’t open this page' })).toBeVisible();

  // The operator: the console's pages, the payment just made among them.
  const operatorContext = await browser.newContext({ baseURL });
  const operator = await operatorContext.newPage();
  const operatorViolations = await watchCsp(operator);
  await signInAsAdmin(operator);
  await openPage(operator, '/console'); // the dashboard, its chart included
  await expect(operator).toHaveURL(/\/console$/);
  for (const path of [
    '/console/payments',
    '/console/customers',
    '/console/catalog',
    '/console/api-keys',
    '/console/webhooks',
    '/console/audit',
    '/console/reconciliation',
  ]) {
    await openPage(operator, path);
  }
  await openPage(operator, `/console/payments?email=${encodeURIComponent(customer.email)}`);
  await expect(operator.getByTestId('payment-row')).toHaveCount(1);
  await operator.setViewportSize({ width: 1280, height: 800 });
  await openPage(operator, '/console/payments');
  await expect(operator.getByTestId('payment-row').first()).toBeVisible();
  await screenshot(operator, 'console-payments', { forReadme: true });
  await operator
    .getByTestId('payment-row')
    .filter({ hasText: customer.email })
    .first()
    .getByRole('link', { name: customer.email })
    .click();
  await expect(
    operator.getByRole('heading', { level: 1, name: 'Payment of $107.00' }),
  ).toBeVisible();
  await expect(operator.getByRole('region', { name: 'Timeline' })).toContainText('payment.created');
  await screenshot(operator, 'console-payment-detail', { forReadme: true });

  // 360 px: the console scrolls its tables inside their boxes, not the page.
  await operator.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/console', '/console/payments', operator.url()]) {
    await openPage(operator, path);
    expect(
      await operator.evaluate(() => document.documentElement.scrollWidth),
      path,
    ).toBeLessThanOrEqual(360);
  }
  await screenshot(operator, 'console-payment-detail-360');
  await operatorContext.close();

  expect(violations, 'CSP violations on customer pages').toEqual([]);
  expect(operatorViolations, 'CSP violations on console pages').toEqual([]);
});

test('when the API docs page is opened, then it has a CSP header and does not violate it', async ({
  page,
}) => {
  // Swagger UI inserts one inline <style>; /docs allows exactly that one by its hash.
  const violations = await watchCsp(page);
  await openPage(page, '/docs');
  await expect(page.locator('#swagger-ui')).toBeVisible();
  expect(violations, 'CSP violations on /docs').toEqual([]);
});
