// The customer's side of a purchase, for specs that need a paid order to look at (the console,
// the security checks): choose products, go to checkout, pay with a new card.
import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { CHALLENGE_FRAME, fillCard } from './customer.ts';

/** Chooses quantities in the shop and goes to checkout; returns the order id. */
export async function startCheckout(
  page: Page,
  quantities: Record<string, number>,
  total: string,
): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Shop' }).click();
  await expect(page.getByRole('heading', { name: 'Shop', level: 1 })).toBeVisible();
  for (const [product, quantity] of Object.entries(quantities)) {
    const input = page.getByLabel(`Quantity of ${product}`);
    await input.fill(String(quantity));
    await expect(input).toHaveValue(String(quantity));
  }
  await expect(page.getByTestId('shop-total')).toHaveText(total);
  await page.getByRole('button', { name: 'Checkout' }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('amount-due')).toHaveText(total);
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Pays the open checkout with a new card (passing 3-D Secure when the card asks) and waits for the receipt. */
export async function payWithNewCard(
  page: Page,
  orderId: string,
  total: string,
  card: string,
  { threeDSecure = false } = {},
): Promise<void> {
  const newCard = page.getByRole('radio', { name: 'New card' });
  if (!(await newCard.isChecked())) await newCard.check();
  await fillCard(page, card);
  await page.getByRole('button', { name: `Pay ${total}` }).click();
  if (threeDSecure) {
    await page
      .frameLocator(CHALLENGE_FRAME)
      .getByRole('button', { name: 'Complete authentication' })
      .click();
  }
  await expect(page).toHaveURL((url) => url.pathname === `/orders/${orderId}`);
  await expect(page.getByText('Thank you — your payment went through')).toBeVisible();
}
