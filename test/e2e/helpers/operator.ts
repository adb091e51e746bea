// The operator's side: the demo admin that SEED_DEMO_DATA creates, signed in through the form.
import { randomUUID } from 'node:crypto';
import { expect } from '@playwright/test';
import type { APIRequestContext, Page, PlaywrightWorkerArgs } from '@playwright/test';

export const DEMO_ADMIN = {
  email: 'admin@paydeck.test',
  password: 'paydeck-admin-demo',
  name: 'Ada Operator',
} as const;

export async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill(DEMO_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${DEMO_ADMIN.name}` })).toBeVisible();
}

/** Opens a console section from its navigation, the way an operator moves around. */
export async function openConsoleSection(page: Page, section: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: section, exact: true })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: section })).toBeVisible();
}

/**
 * The merchant's backend: an API key with `scopes`, made by the demo operator through the admin
 * API, and a request context that sends it.
 */
export async function aMerchantBackend(
  playwright: PlaywrightWorkerArgs['playwright'],
  baseURL: string,
  scopes: string[],
): Promise<APIRequestContext> {
  const operator = await playwright.request.newContext({ baseURL });
  const login = await operator.post('/api/auth/login', {
    data: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
  });
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  const key = await operator.post('/api/admin/api-keys', {
    data: { name: `e2e backend ${randomUUID().slice(0, 8)}`, scopes },
    headers: { 'x-csrf-token': csrf },
  });
  expect(key.status(), await key.text()).toBe(201);
  const { secret } = (await key.json()) as { secret: string };
  await operator.dispose();
  return playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${secret}` },
  });
}
