// "Confirm your payment" in a real browser (issue 15, ADR 028): the merchant's backend charges a
// customer's saved card off-session, the bank wants 3-D Secure, the running worker mails the
// customer (kept by the local catcher: nothing is configured), the operator sees the message on
// the console's Mail page, and the customer follows its link to the order's checkout, passes the
// challenge and the order is paid.
import { test, expect } from '@playwright/test';
import Stripe from 'stripe';
import {
  CARDS,
  CHALLENGE_FRAME,
  signUpNewCustomer,
  watchConsoleInEveryTest,
} from './helpers/customer.ts';
import {
  DEMO_ADMIN,
  aMerchantBackend,
  openConsoleSection,
  signInAsAdmin,
} from './helpers/operator.ts';

const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:3000';
test.use({ baseURL });

const consoleWatch = watchConsoleInEveryTest();

/** What Stripe.js does in the browser: a PaymentMethod from a card number, at the simulator. */
async function cardPaymentMethod(number: string): Promise<string> {
  const sim = new URL(process.env.E2E_SIMULATOR_URL!);
  const stripe = new Stripe('sk_test_paydeck_e2e', {
    host: sim.hostname,
    port: sim.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { number, exp_month: 12, exp_year: new Date().getFullYear() + 3, cvc: '123' },
  } as unknown as Stripe.PaymentMethodCreateParams);
  return pm.id;
}

test('when an off-session charge needs 3-D Secure, then the emailed link opens the checkout, where the customer authenticates and the order is paid', async ({
  page,
  browser,
  playwright,
}) => {
  // Three people's pages and a worker's round trip: more than the default minute on a busy machine.
  test.setTimeout(120_000);
  // A customer with a saved card that needs authentication for every payment.
  const customer = await signUpNewCustomer(page);
  const session = (await (await page.request.get('/api/auth/session')).json()) as {
    user: { id: string };
    csrf_token: string;
  };
  const saved = await page.request.post('/api/payment-methods', {
    data: { payment_method_id: await cardPaymentMethod(CARDS.threeDSecure) },
    headers: { 'x-csrf-token': session.csrf_token },
  });
  expect(saved.status(), await saved.text()).toBe(201);

  // The merchant's backend: an API key (made by the operator), an order, an off-session charge.
  const backend = await aMerchantBackend(playwright, baseURL, [
    'orders:read',
    'orders:write',
    'payments:write',
  ]);
  const created = await backend.post('/api/v1/orders', {
    data: {
      customer_id: session.user.id,
      amount: 2600,
      currency: 'usd',
      description: 'Monthly plan',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id: orderId } = (await created.json()) as { id: string };
  const charge = await backend.post(`/api/v1/orders/${orderId}/charge`, { data: {} });
  expect(charge.status()).toBe(402);
  expect(((await charge.json()) as { error: { code: string } }).error.code).toBe(
    'authentication_required',
  );

  // The operator's Mail page shows the message the worker sent to the catcher.
  const operatorPage = await browser.newPage({ baseURL });
  await signInAsAdmin(operatorPage);
  await operatorPage.goto('/console/payments');
  await openConsoleSection(operatorPage, 'Mail');
  const mail = operatorPage
    .getByTestId('caught-mail')
    .filter({ hasText: customer.email })
    .filter({ hasText: 'Action needed: confirm your payment of $26.00' });
  await expect(async () => {
    await operatorPage.reload();
    await expect(mail).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const text = await mail.locator('pre').innerText();
  const link = /http\S+\/checkout\/[0-9a-f-]{36}\S*/.exec(text)?.[0];
  expect(link?.startsWith(`${baseURL}/checkout/${orderId}?token=`), link).toBe(true);
  await operatorPage.close();

  // The customer follows the link: the checkout of that order, the card, the challenge, paid.
  await page.goto(link!);
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  await expect(page.getByTestId('amount-due')).toHaveText('$26.00');
  // The attempt the bank refused is listed as a failed payment; its 402 is expected.
  consoleWatch.expect(/status of 402 \(Payment Required\)/);
  await expect(page.getByRole('radio', { name: /Visa/ })).toBeChecked();
  await page.getByRole('button', { name: 'Pay $26.00' }).click();
  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Complete authentication' })
    .click();
  await expect(page).toHaveURL(
    (url) => url.pathname === `/orders/${orderId}` && url.search === '?paid=1',
  );
  await expect(page.locator('.receipt__head').getByText('Paid', { exact: true })).toBeVisible();

  await backend.dispose();
});

test('when a customer forgets their password, then the emailed link lets them choose a new one and sign in with it', async ({
  page,
  playwright,
}) => {
  const customer = await signUpNewCustomer(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('Email').fill(customer.email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect(page.getByRole('status')).toContainText('If an account has this address');

  // The link, from the mail the worker gave the local catcher (the console's Mail page reads it).
  const operator = await playwright.request.newContext({ baseURL });
  await operator.post('/api/auth/login', {
    data: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  });
  let link: string | undefined;
  await expect(async () => {
    const res = await operator.get('/api/admin/mail?limit=100');
    const mail = (await res.json()) as { data: Array<{ to: string; text: string }> };
    const text = mail.data.find((m) => m.to === customer.email)?.text ?? '';
    link = /http\S+\/reset-password#token=[A-Za-z0-9_-]+/.exec(text)?.[0];
    expect(link).toBeTruthy();
  }).toPass({ timeout: 30_000 });
  await operator.dispose();

  await page.goto(link!);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await page.getByLabel('New password', { exact: true }).fill('a fresh password for e2e');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByText('Your new password is set')).toBeVisible();
  await page.getByRole('status').getByRole('link', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill('a fresh password for e2e');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${customer.name}` })).toBeVisible();
});
