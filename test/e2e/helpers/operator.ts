// The operator's side: the demo admin that SEED_DEMO_DATA creates, signed in through the form.
import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

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
