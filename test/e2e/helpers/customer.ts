// Small steps shared by the customer journeys: a fresh account per test, Stripe's card frame,
// screenshots for the README, and a console watch that fails the test on unexpected errors.
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export const CARD_FRAME = 'iframe[title="Secure card payment input frame"]';
export const CHALLENGE_FRAME = 'iframe[title="3D Secure authentication"]';

export const CARDS = {
  visa: '4242424242424242',
  threeDSecure: '4000002760003184',
  insufficientFunds: '4000000000009995',
} as const;

export interface Customer {
  name: string;
  email: string;
  password: string;
}

export async function signUpNewCustomer(page: Page): Promise<Customer> {
  const id = randomUUID().slice(0, 8);
  const customer = {
    name: `Checkout Tester ${id}`,
    email: `e2e-checkout-${id}@example.com`,
    password: 'correct horse battery staple',
  };
  await page.goto('/signup');
  await page.getByLabel('Name').fill(customer.name);
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByLabel('I accept the Terms of Service and the Privacy Policy').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${customer.name}` })).toBeVisible();
  return customer;
}

/** Types a card into Stripe's iframe, the way a customer does. */
export async function fillCard(page: Page, number: string): Promise<void> {
  const card = page.frameLocator(CARD_FRAME);
  await card.locator('[name="cardnumber"]').fill(number);
  await card.locator('[name="exp-date"]').fill('12 / 34');
  await card.locator('[name="cvc"]').fill('123');
  await card.locator('[name="postal"]').fill('42424');
}

const SCREENSHOTS = path.join('test-results', 'screenshots');
const README_SCREENSHOTS = path.join('docs', 'screenshots');

/** A full-page screenshot in test-results/screenshots/, also copied to docs/screenshots/ when asked. */
export async function screenshot(
  page: Page,
  name: string,
  { forReadme = false } = {},
): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  if (forReadme) {
    await mkdir(README_SCREENSHOTS, { recursive: true });
    await copyFile(file, path.join(README_SCREENSHOTS, `${name}.png`));
  }
}

/**
 * Collects console errors and uncaught exceptions. Chromium logs every non-2xx response as a
 * console error, so a test that expects a decline lists the 402 as expected.
 */
export function watchConsole(page: Page) {
  const errors: string[] = [];
  const expected: RegExp[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    expect(pattern: RegExp) {
      expected.push(pattern);
    },
    unexpected: () => errors.filter((text) => !expected.some((pattern) => pattern.test(text))),
  };
}

/**
 * Watches the console in every test of the calling spec file, and fails a test that logged an
 * error it did not declare with `.expect(pattern)`.
 */
export function watchConsoleInEveryTest() {
  let watch: ReturnType<typeof watchConsole> | undefined;
  test.beforeEach(({ page }) => {
    watch = watchConsole(page);
  });
  test.afterEach(() => {
    expect(watch!.unexpected(), 'console errors').toEqual([]);
  });
  return { expect: (pattern: RegExp) => watch!.expect(pattern) };
}
