// The simulator's Stripe.js stand-in, driven the way a browser test drives real Stripe Elements:
// a React page using @stripe/stripe-js + @stripe/react-stripe-js unchanged, with
// https://js.stripe.com routed to the simulator.
import { test, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import type { StripeConstructor } from '@stripe/stripe-js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startSimulator } from '../../simulator/index.ts';
import { buildFixturePage, startFixturePage } from './fixtures/stripejs-page/server.ts';
import type { FixturePage } from './fixtures/stripejs-page/server.ts';

const CARD_FRAME = 'iframe[title="Secure card payment input frame"]';
const CHALLENGE_FRAME = 'iframe[title="3D Secure authentication"]';
const AUTHENTICATION_FAILED =
  'We are unable to authenticate your payment method. Please choose a different payment method and try again.';
// The card frame and the challenge page must work without inline scripts or styles.
const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'";

interface RecordedRequest {
  url: string;
  postData: string;
  fromHostPage: boolean;
  frameOrigin: string;
}

let simulator: { url: string; close(): Promise<void> };
let fixture: FixturePage;
let outDir: string;
let stripe: Stripe;
let consoleErrors: string[];
// Chromium logs every non-2xx response as a console error; a decline is an expected 402.
let expectedConsoleErrors: RegExp[];
let requests: RecordedRequest[];

test.beforeAll(async () => {
  simulator = await startSimulator({ port: 0, quiet: true });
  await mkdir('test-results', { recursive: true });
  outDir = await mkdtemp(join(process.cwd(), 'test-results', 'stripejs-page-'));
  await buildFixturePage(outDir);
  fixture = await startFixturePage({ outDir, simulatorUrl: simulator.url });
  const sim = new URL(simulator.url);
  stripe = new Stripe('sk_test_stripejs_e2e', {
    host: sim.hostname,
    port: Number(sim.port),
    protocol: 'http',
  });
});

test.afterAll(async () => {
  await fixture?.close();
  await simulator?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

test.beforeEach(async ({ context, page }) => {
  const sim = new URL(simulator.url);
  // Everything Stripe.js loads from js.stripe.com (the script, the card frame and the frame's API
  // calls) is answered by the simulator, as if it were Stripe's origin.
  await context.route('https://js.stripe.com/**', async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `${simulator.url}${url.pathname}${url.search}` });
    const headers = response.headers();
    if ((headers['content-type'] ?? '').startsWith('text/html')) {
      headers['content-security-policy'] = STRICT_CSP;
    }
    await route.fulfill({ response, headers });
  });
  await context.route(
    (url) => url.origin === sim.origin && /^\/_sim\/3ds\/[^/]+$/.test(url.pathname),
    async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'content-security-policy': STRICT_CSP },
      });
    },
  );

  consoleErrors = [];
  expectedConsoleErrors = [];
  requests = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    const frame = request.frame();
    requests.push({
      url: request.url(),
      postData: request.postData() ?? '',
      fromHostPage: frame === page.mainFrame(),
      frameOrigin: new URL(frame.url() || 'about:blank').origin,
    });
  });
});

test.afterEach(() => {
  const unexpected = consoleErrors.filter(
    (text) => !expectedConsoleErrors.some((pattern) => pattern.test(text)),
  );
  expect(unexpected, 'console errors and warnings').toEqual([]);
});

/** Requests that carry the card number, in any formatting. */
function requestsCarrying(cardNumber: string): RecordedRequest[] {
  const spaced = cardNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
  return requests.filter((request) =>
    [cardNumber, spaced, encodeURIComponent(spaced)].some(
      (form) => request.url.includes(form) || request.postData.includes(form),
    ),
  );
}

/** Only the card frame may send the number, and only to its own origin (the simulator). */
function expectCardNumberStayedInFrame(cardNumber: string): void {
  const carrying = requestsCarrying(cardNumber);
  expect(carrying.length, 'the card frame created a PaymentMethod').toBeGreaterThan(0);
  for (const request of carrying) {
    expect(request.fromHostPage, `host page sent the card number to ${request.url}`).toBe(false);
    expect(new URL(request.url).origin).toBe(request.frameOrigin);
  }
}

type Mode = 'payment' | 'setup' | 'payment-method' | 'server-confirm';

async function openCheckout(page: Page, mode: Mode, query = ''): Promise<void> {
  await page.goto(`${fixture.url}/?mode=${mode}${query}`);
  await expect(page.locator(CARD_FRAME)).toBeVisible();
  await expect(
    page.getByRole('button', { name: mode === 'payment' ? 'Pay' : 'Save card' }),
  ).toBeEnabled();
}

async function fillCard(
  page: Page,
  number: string,
  postal: string | null = '42424',
): Promise<void> {
  const card = page.frameLocator(CARD_FRAME);
  await card.locator('[name="cardnumber"]').fill(number);
  await card.locator('[name="exp-date"]').fill('12 / 34');
  await card.locator('[name="cvc"]').fill('123');
  if (postal !== null) await card.locator('[name="postal"]').fill(postal);
  await expect(page.getByTestId('card-complete')).toHaveText('complete');
}

async function resultIntentId(page: Page, status: string): Promise<string> {
  const result = page.getByTestId('result');
  await expect(result).toHaveText(/^\S+ \S+$/);
  const [id, actual] = (await result.textContent())!.split(' ');
  expect(actual).toBe(status);
  return id!;
}

test('when a customer pays with 4242 4242 4242 4242, then the PaymentIntent succeeds and the number stays in the card frame', async ({
  page,
}) => {
  await openCheckout(page, 'payment');
  await fillCard(page, '4242424242424242');
  await page.getByRole('button', { name: 'Pay' }).click();

  const id = await resultIntentId(page, 'succeeded');
  const intent = await stripe.paymentIntents.retrieve(id, { expand: ['payment_method'] });
  expect(intent.status).toBe('succeeded');
  const paymentMethod = intent.payment_method as Stripe.PaymentMethod;
  expect(paymentMethod.card?.last4).toBe('4242');
  expect(paymentMethod.billing_details.name).toBe('Jenny Rosen');
  expect(paymentMethod.billing_details.address?.postal_code).toBe('42424');
  expectCardNumberStayedInFrame('4242424242424242');
});

test('when Stripe.js is loaded straight from the simulator, then a payment succeeds without js.stripe.com', async ({
  page,
}) => {
  await openCheckout(page, 'payment', `&stripeJsUrl=${encodeURIComponent(`${simulator.url}/v3/`)}`);
  await fillCard(page, '4242424242424242');
  await page.getByRole('button', { name: 'Pay' }).click();

  const id = await resultIntentId(page, 'succeeded');
  expect((await stripe.paymentIntents.retrieve(id)).status).toBe('succeeded');
  expect(requests.filter((request) => request.url.startsWith('https://js.stripe.com'))).toEqual([]);
  expectCardNumberStayedInFrame('4242424242424242');
});

test('when the card has insufficient funds, then the decline message is shown', async ({
  page,
}) => {
  expectedConsoleErrors.push(/status of 402 \(Payment Required\)/);
  await openCheckout(page, 'payment');
  await fillCard(page, '4000000000009995');
  await page.getByRole('button', { name: 'Pay' }).click();

  await expect(page.getByTestId('error')).toHaveText('Your card has insufficient funds.');
  await expect(page.getByTestId('result')).toHaveText('');
  expectCardNumberStayedInFrame('4000000000009995');
});

test('when a 3-D Secure card is authenticated, then the payment succeeds', async ({ page }) => {
  await openCheckout(page, 'payment');
  await fillCard(page, '4000002760003184');
  await page.getByRole('button', { name: 'Pay' }).click();

  const challenge = page.frameLocator(CHALLENGE_FRAME);
  await challenge.getByRole('button', { name: 'Complete authentication' }).click();
  await expect(page.locator(CHALLENGE_FRAME)).toHaveCount(0);
  const id = await resultIntentId(page, 'succeeded');
  expect((await stripe.paymentIntents.retrieve(id)).status).toBe('succeeded');
});

test('when the 3-D Secure challenge opens, then it takes keyboard focus and the customer answers it with the keyboard', async ({
  page,
}) => {
  await openCheckout(page, 'payment');
  await fillCard(page, '4000002760003184');
  await page.getByRole('button', { name: 'Pay' }).focus();
  await page.keyboard.press('Enter');

  const challenge = page.frameLocator(CHALLENGE_FRAME);
  await expect(page.locator(CHALLENGE_FRAME)).toBeFocused();
  await expect(challenge.getByRole('heading', { name: '3D Secure 2 Test Page' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(challenge.getByRole('button', { name: 'Complete authentication' })).toBeFocused();
  await page.keyboard.press('Enter');

  await expect(page.locator(CHALLENGE_FRAME)).toHaveCount(0);
  await resultIntentId(page, 'succeeded');
});

test('when a 3-D Secure challenge fails, then Stripe.js reports the authentication failure', async ({
  page,
}) => {
  await openCheckout(page, 'payment');
  await fillCard(page, '4000002760003184');
  await page.getByRole('button', { name: 'Pay' }).click();

  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Fail authentication' })
    .click();
  await expect(page.getByTestId('error')).toHaveText(AUTHENTICATION_FAILED);
  await expect(page.locator(CHALLENGE_FRAME)).toHaveCount(0);
  await expect(page.getByTestId('result')).toHaveText('');
});

test('when a customer saves a card with confirmCardSetup, then the SetupIntent succeeds', async ({
  page,
}) => {
  await openCheckout(page, 'setup');
  await fillCard(page, '5555555555554444');
  await page.getByRole('button', { name: 'Save card' }).click();

  const id = await resultIntentId(page, 'succeeded');
  const intent = await stripe.setupIntents.retrieve(id);
  expect(intent.status).toBe('succeeded');
  expect(intent.payment_method).toMatch(/^pm_/);
  expectCardNumberStayedInFrame('5555555555554444');
});

test('when 3-D Secure fails while saving a card, then confirmCardSetup reports the authentication failure', async ({
  page,
}) => {
  await openCheckout(page, 'setup');
  await fillCard(page, '4000002760003184');
  await page.getByRole('button', { name: 'Save card' }).click();

  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Fail authentication' })
    .click();
  await expect(page.getByTestId('error')).toHaveText(AUTHENTICATION_FAILED);
  await expect(page.locator(CHALLENGE_FRAME)).toHaveCount(0);
});

test('when createPaymentMethod is called with the elements group and no postal code field, then it returns the PaymentMethod', async ({
  page,
}) => {
  await openCheckout(page, 'payment-method', '&hidePostalCode');
  await expect(page.frameLocator(CARD_FRAME).locator('[name="postal"]')).toBeHidden();
  await fillCard(page, '4242424242424242', null);
  await page.getByRole('button', { name: 'Save card' }).click();

  await expect(page.getByTestId('result')).toHaveText(/^pm_\S+ visa 4242$/);
  expectCardNumberStayedInFrame('4242424242424242');
});

test('when the server confirms and 3-D Secure is needed, then handleNextAction runs the challenge', async ({
  page,
}) => {
  await openCheckout(page, 'server-confirm');
  await fillCard(page, '4000002760003184');
  await page.getByRole('button', { name: 'Save card' }).click();

  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Complete authentication' })
    .click();
  const id = await resultIntentId(page, 'succeeded');
  expect((await stripe.paymentIntents.retrieve(id)).status).toBe('succeeded');
});

test('when the card is declined after authentication, then the decline is reported', async ({
  page,
}) => {
  await openCheckout(page, 'server-confirm');
  await fillCard(page, '4000008400001629');
  await page.getByRole('button', { name: 'Save card' }).click();

  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Complete authentication' })
    .click();
  await expect(page.getByTestId('error')).toHaveText('Your card was declined.');
  await expect(page.locator(CHALLENGE_FRAME)).toHaveCount(0);
});

test('when the card frame renders, then it sizes itself to its content', async ({ page }) => {
  await openCheckout(page, 'payment');
  const frame = page.locator(CARD_FRAME);
  await expect.poll(async () => (await frame.boundingBox())?.height ?? 0).toBeGreaterThan(16);
  const inner = await page.frameLocator(CARD_FRAME).locator('form').boundingBox();
  expect(Math.abs((await frame.boundingBox())!.height - inner!.height)).toBeLessThanOrEqual(1);
});

test('when the card details are invalid, then the card frame shows Stripe validation messages', async ({
  page,
}) => {
  await openCheckout(page, 'payment');
  const card = page.frameLocator(CARD_FRAME);
  const message = page.getByTestId('card-error');

  await card.locator('[name="cardnumber"]').fill('4242424242424241');
  await expect(message).toHaveText('Your card number is invalid.');

  await card.locator('[name="cardnumber"]').fill('4242 4242');
  await card.locator('[name="exp-date"]').focus();
  await expect(message).toHaveText('Your card number is incomplete.');

  await card.locator('[name="cardnumber"]').fill('4242424242424242');
  await card.locator('[name="exp-date"]').fill('12 / 20');
  await expect(message).toHaveText("Your card's expiration year is in the past.");

  await card.locator('[name="exp-date"]').fill('12 / 34');
  await card.locator('[name="cvc"]').fill('12');
  await card.locator('[name="postal"]').focus();
  await expect(message).toHaveText("Your card's security code is incomplete.");

  // Submitting an incomplete form: Stripe.js refuses before any request is made.
  await card.locator('[name="cvc"]').fill('123');
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByTestId('error')).toHaveText('Your postal code is incomplete.');
  await expect(message).toHaveText('Your postal code is incomplete.');
  expect(requests.filter((request) => request.url.includes('/v1/payment_methods'))).toEqual([]);
});

test('when a page drives the stripe object directly, then elements and intents behave like Stripe.js', async ({
  page,
}) => {
  expectedConsoleErrors.push(/status of 404 \(Not Found\)/); // retrieving a missing intent
  await openCheckout(page, 'payment');
  const lifecycle = await page.evaluate(async () => {
    const Stripe = (window as unknown as { Stripe: StripeConstructor & { version: string } })
      .Stripe;
    const stripe = Stripe('pk_test_direct');
    const elements = stripe.elements();
    const card = elements.create('card', { hidePostalCode: true });
    const thrown: string[] = [];
    const attempt = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        thrown.push((error as Error).message);
      }
    };
    attempt(() => elements.create('card'));
    const host = document.createElement('div');
    document.body.append(host);
    const ready = new Promise((resolve) => card.once('ready', resolve));
    card.mount(host);
    const readyEvent = await ready;
    attempt(() => card.mount(host));
    const mountedClasses = host.className;
    card.unmount();
    const remounted = new Promise((resolve) => card.once('ready', resolve));
    card.mount(host);
    await remounted;
    const empty = await stripe.createPaymentMethod({ type: 'card', card });
    card.destroy();
    attempt(() => card.mount(host));
    const again = elements.create('card');
    return {
      version: Stripe.version,
      readyEvent,
      thrown,
      mountedClasses,
      emptyError: empty.error,
      replaced: elements.getElement('card') === again,
      framesLeft: host.querySelectorAll('iframe').length,
    };
  });
  expect(lifecycle).toEqual({
    version: 'endive',
    readyEvent: { elementType: 'card' },
    thrown: [
      'Can only create one Element of type card.',
      'This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting.',
      'This Element has already been destroyed. Please create a new one.',
    ],
    mountedClasses: 'StripeElement StripeElement--empty',
    emptyError: {
      type: 'validation_error',
      code: 'incomplete_number',
      message: 'Your card number is incomplete.',
    },
    replaced: true,
    framesLeft: 0,
  });

  // Intents: retrieve, confirm without handling actions, then handleCardAction.
  const confirmed = await page.evaluate(async () => {
    const stripe = (window as unknown as { Stripe: StripeConstructor }).Stripe('pk_test_direct');
    const response = await fetch('/api/payment-intents', { method: 'POST' });
    const { client_secret: secret } = (await response.json()) as { client_secret: string };
    const retrieved = await stripe.retrievePaymentIntent(secret);
    const missing = await stripe.retrievePaymentIntent('pi_missing_secret_nope');
    const result = await stripe.confirmCardPayment(
      secret,
      { payment_method: 'pm_card_authenticationRequired' },
      { handleActions: false },
    );
    (window as unknown as { pending: Promise<unknown> }).pending = stripe.handleCardAction(secret);
    return {
      retrievedStatus: retrieved.paymentIntent?.status,
      missingCode: missing.error?.code,
      confirmedStatus: result.paymentIntent?.status,
      nextAction: result.paymentIntent?.next_action?.type,
    };
  });
  expect(confirmed).toEqual({
    retrievedStatus: 'requires_payment_method',
    missingCode: 'resource_missing',
    confirmedStatus: 'requires_action',
    nextAction: 'use_stripe_sdk',
  });
  await page
    .frameLocator(CHALLENGE_FRAME)
    .getByRole('button', { name: 'Complete authentication' })
    .click();
  const handled = (await page.evaluate(
    () => (window as unknown as { pending: Promise<unknown> }).pending,
  )) as {
    paymentIntent?: { status: string };
  };
  expect(handled.paymentIntent?.status).toBe('succeeded');
});
