// An operator's second factor in a real browser (ADR 023), on a system of its own started with
// OPERATOR_MFA=required: the console sends an operator without one to set it up; the set-up
// shows a QR code and the key, takes a code from the app and shows the recovery codes once; after
// signing out, the password alone is not enough and a fresh code from the app signs in.
import { test, expect } from '@playwright/test';
import { codeAt } from '../../src/modules/auth/totp.ts';
import { DEMO_ADMIN } from './helpers/operator.ts';
import { startSystem, type RunningSystem } from '../helpers/system.ts';

let system: RunningSystem;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  system = await startSystem({ OPERATOR_MFA: 'required' });
});

test.afterAll(async () => {
  await system?.close();
});

test('when an operator without a second factor opens the console, then they set one up, and from then on sign in with a code', async ({
  browser,
}) => {
  const context = await browser.newContext({ baseURL: system.baseUrl });
  const page = await context.newPage();

  await page.goto('/console');
  await expect(page).toHaveURL(/\/login\?next=%2Fconsole$/);
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill(DEMO_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // The console is closed until a second factor is set up: the guard sends the operator there.
  await expect(page).toHaveURL(/\/account\/two-factor\?next=%2Fconsole$/);
  await expect(
    page.getByRole('heading', { name: 'Two-step verification', level: 1 }),
  ).toBeVisible();
  await expect(page.getByText('Set up two-step verification to open the console')).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-step verification' }).click();
  await expect(
    page.getByRole('img', { name: 'QR code to scan with your authenticator app' }),
  ).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);

  // A wrong code is said under the field, and nothing is turned on.
  const code = page.getByRole('textbox', { name: 'Authentication code' });
  const right = codeAt(secret, new Date());
  await code.fill(String((Number(right) + 1) % 1_000_000).padStart(6, '0'));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await expect(code).toHaveAccessibleDescription(/not valid/);

  await code.fill(codeAt(secret, new Date()));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  await expect(codes.first()).toHaveText(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // The account page lists where the operator is signed in.
  await page.goto('/account');
  const sessions = page.getByRole('list', { name: 'Signed-in sessions' });
  await expect(sessions.getByRole('listitem')).toHaveCount(1);
  await expect(sessions.getByText('This session', { exact: true })).toBeVisible();
  await expect(page.getByText('On: you sign in with your password and a code')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The password alone opens only the second step.
  await page.getByLabel('Email').fill(DEMO_ADMIN.email);
  await page.getByLabel('Password').fill(DEMO_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
  // The code of the next 30-second step: the one used at set-up is never accepted again.
  await page
    .getByRole('textbox', { name: 'Authentication code' })
    .fill(codeAt(secret, new Date(Date.now() + 30_000)));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${DEMO_ADMIN.name}` })).toBeVisible();
  await page.goto('/console');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await context.close();
});
