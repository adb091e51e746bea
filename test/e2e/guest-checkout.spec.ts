// A customer without an account pays through the order's checkout_url (issue 15, item 3; ADR
// 030): the merchant's backend creates the customer and an order with a success_url on its own
// site (a local HTTP server here), the customer opens the link in a fresh browser, accepts the
// Terms, passes 3-D Secure with a new card saved for later, and lands on the success_url.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { CARDS, CHALLENGE_FRAME, fillCard, watchConsoleInEveryTest } from './helpers/customer.ts';
import { aMerchantBackend } from './helpers/operator.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

const consoleWatch = watchConsoleInEveryTest();

test('when a customer created by the API opens the checkout_url, then they pay without an account and land on the success_url', async ({
  page,
  playwright,
}) => {
  test.setTimeout(120_000);
  // The merchant's site: the page the checkout sends the customer back to.
  const visits: string[] = [];
  const shop = http.createServer((req, res) => {
    visits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Thank you for your order</h1>');
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  try {
    // The merchant's backend: an API key (made by the operator), a customer, an order.
    const backend = await aMerchantBackend(playwright, baseURL, [
      'customers:read',
      'customers:write',
      'orders:write',
      'orders:read',
    ]);
    const email = `e2e-guest-${randomUUID().slice(0, 8)}@example.com`;
    const customer = await backend.post('/api/v1/customers', {
      data: { email, name: 'Gina Guest' },
    });
    expect(customer.status(), await customer.text()).toBe(201);
    const { id: customerId } = (await customer.json()) as { id: string };
    const created = await backend.post('/api/v1/orders', {
      data: {
        customer_id: customerId,
        amount: 4200,
        currency: 'usd',
        description: 'Concert ticket',
        success_url: `${shopUrl}/thanks?order={ORDER_ID}`,
        cancel_url: `${shopUrl}/cart`,
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const order = (await created.json()) as { id: string; checkout_url: string };

    // The customer's browser has never signed in anywhere.
    await page.goto(order.checkout_url);
    await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
    await expect(page.getByTestId('amount-due')).toHaveText('$42.00');
    // The token left the address bar; no account navigation is offered.
    expect(new URL(page.url()).search).toBe('');
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Cancel and return to the shop' })).toHaveAttribute(
      'href',
      `${shopUrl}/cart`,
    );

    await fillCard(page, CARDS.threeDSecure);
    await page.getByLabel('Save this card for later').check();
    // A first-time customer accepts the Terms before the first payment; the refusal is a 4xx.
    consoleWatch.expect(/status of 4\d\d/);
    await page.getByRole('button', { name: 'Pay $42.00' }).click();
    await page.getByRole('button', { name: 'Accept the Terms' }).click();
    await expect(page.getByRole('button', { name: 'Accept the Terms' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Pay $42.00' }).click();
    await page
      .frameLocator(CHALLENGE_FRAME)
      .getByRole('button', { name: 'Complete authentication' })
      .click();

    await expect(page).toHaveURL(`${shopUrl}/thanks?order=${order.id}`);
    await expect(page.getByRole('heading', { name: 'Thank you for your order' })).toBeVisible();
    expect(visits).toContain(`/thanks?order=${order.id}`);

    // The merchant sees the order paid, and the card saved for the next order.
    const paid = await backend.get(`/api/v1/orders/${order.id}`);
    expect(((await paid.json()) as { status: string }).status).toBe('paid');
    const read = await backend.get(`/api/v1/customers/${customerId}`);
    expect(await read.json()).toMatchObject({
      has_account: false,
      default_payment_method: { brand: 'visa', last4: '3184' },
    });
  } finally {
    await new Promise<void>((resolve) => shop.close(() => resolve()));
  }
});
