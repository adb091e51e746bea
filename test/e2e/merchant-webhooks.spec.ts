// The console's Merchant webhooks page in a real browser (issue 15): the operator registers an
// endpoint of a local receiver, sees its signing secret once, a customer signs up, the running
// worker delivers customer.created (verified with the standardwebhooks library), the delivery log
// shows it, Resend sends it again, and the endpoint is disabled and deleted.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { signUpNewCustomer, watchConsoleInEveryTest } from './helpers/customer.ts';
import { openConsoleSection, signInAsAdmin } from './helpers/operator.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

watchConsoleInEveryTest();

test('when the operator registers an endpoint, then it receives signed events, shows them in its log, and can resend, disable and delete', async ({
  page,
  browser,
}) => {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  try {
    await signInAsAdmin(page);
    await page.goto('/console/payments');
    await openConsoleSection(page, 'Merchant webhooks');

    const form = page.getByRole('region', { name: 'Register an endpoint' });
    await form.getByLabel('URL').fill(url);
    await form.getByLabel('customer.created').check();
    await form.getByRole('button', { name: 'Register endpoint' }).click();
    const secretField = page.getByRole('textbox', { name: 'Signing secret' });
    await expect(secretField).toHaveValue(/^whsec_/);
    const secret = await secretField.inputValue();
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect(secretField).toHaveCount(0);
    const row = page.getByTestId('endpoint-row').filter({ hasText: url });
    await expect(row.getByText('Enabled')).toBeVisible();

    // A customer signs up elsewhere; the worker delivers the event within seconds.
    const customerPage = await browser.newPage({ baseURL });
    const customer = await signUpNewCustomer(customerPage);
    await customerPage.close();
    await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const event = new Webhook(secret).verify(received[0]!.body, received[0]!.headers) as {
      type: string;
      data: { email: string };
    };
    expect(event).toMatchObject({ type: 'customer.created', data: { email: customer.email } });

    await row.getByRole('button', { name: /Deliveries/ }).click();
    const log = page.getByRole('region', { name: 'Delivery log' });
    const delivery = log
      .getByTestId('delivery-row')
      .filter({ hasText: 'customer.created' })
      .first();
    await expect(delivery).toContainText('delivered');
    await expect(delivery).toContainText('204');

    await delivery.getByRole('button', { name: /Resend/ }).click();
    await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);

    await row.getByRole('button', { name: 'Disable' }).click();
    await expect(row.getByText('Disabled')).toBeVisible();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await expect(page.getByTestId('endpoint-row').filter({ hasText: url })).toHaveCount(0);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
