// The Terms of Service and Privacy Policy, versioned. A new version is a new entry here; the
// version a user accepted is recorded at sign-up (legal_acceptances).
export type LegalDocumentId = 'terms' | 'privacy';

export interface LegalDocument {
  document: LegalDocumentId;
  version: string;
  effective_date: string;
  title: string;
  body: string;
}

export const legalDocuments: Record<LegalDocumentId, LegalDocument> = {
  terms: {
    document: 'terms',
    version: '2026-11-01',
    effective_date: '2026-11-01',
    title: 'Terms of Service',
    body: `These terms govern your use of this store's payment pages, operated with Paydeck.

## Payments
Card payments are processed by Stripe. Your card details are entered in fields provided by Stripe and are sent to Stripe directly; this service never receives or stores your full card number.

## Saved cards
If you save a card, we store only a reference to it at Stripe together with its brand, last four digits and expiry date, so you can recognise it. You can remove a saved card at any time from your wallet.

## Charges you authorise
When you save a card for later use, you authorise the merchant to charge it for orders you place, including when you are not present. Where your bank requires it, we will ask you to confirm a payment.

## Refunds
Refunds are issued to the original payment method. The time it takes for a refund to appear depends on your bank.

## Your account
You are responsible for keeping your password secret. You may export your data or delete your account at any time; financial records are kept for as long as the law requires.

## Changes
We will ask you to accept a new version of these terms before it applies to you.`,
  },
  privacy: {
    document: 'privacy',
    version: '2026-11-01',
    effective_date: '2026-11-01',
    title: 'Privacy Policy',
    body: `This policy explains what personal data is processed when you use these payment pages.

## What we keep
Your name and email address, your password as a one-way hash, the orders you place, the payments and refunds made for them, and references to cards you saved (brand, last four digits, expiry). We never receive your full card number or security code: Stripe collects them.

## Why
To run your account, take payments you ask for, refund them, prevent fraud and keep the financial records the law requires.

## Who else sees it
Stripe, our payment processor, receives your payment details and the data needed to process a payment.

## How long
Sign-in sessions expire after inactivity and are deleted. Technical logs and webhook payloads are deleted after a retention period. Financial records are kept as the law requires, with your personal data removed when you delete your account.

## Your rights
You can download all your data, and delete your account, from your account page.`,
  },
};
