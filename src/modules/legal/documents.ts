// The Terms of Service and Privacy Policy, versioned. A new version is a new entry here; the
// version a user accepted is recorded at sign-up (legal_acceptances). The Privacy Policy's
// periods are written from the retention settings that the retention job enforces (ADR 024), so
// what it promises is what happens, whatever an operator sets.
import type { Config } from '../../config.ts';
import { describeDuration } from '../../lib/duration.ts';

export type LegalDocumentId = 'terms' | 'privacy';

export interface LegalDocument {
  document: LegalDocumentId;
  version: string;
  effective_date: string;
  title: string;
  body: string;
}

/** Each document's current version; its text is `legalDocument`'s. */
export const legalDocuments: Record<LegalDocumentId, Omit<LegalDocument, 'body'>> = {
  terms: {
    document: 'terms',
    version: '2026-11-01',
    effective_date: '2026-11-01',
    title: 'Terms of Service',
  },
  privacy: {
    document: 'privacy',
    // 2026-12-01: the periods below, enforced (issue 12).
    version: '2026-12-01',
    effective_date: '2026-12-01',
    title: 'Privacy Policy',
  },
};

const TERMS_BODY = `These terms govern your use of this store's payment pages, operated with Paydeck.

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
We will ask you to accept a new version of these terms before it applies to you.`;

/** The settings the Privacy Policy states. */
export type PolicySettings = Pick<Config, 'retention' | 'session'>;

function privacyBody({ retention: r, session }: PolicySettings): string {
  const period = describeDuration;
  const sessions =
    r.expiredSessions === 0
      ? 'deleted as soon as they expire'
      : `deleted ${period(r.expiredSessions)} after they expire`;
  return `This policy explains what personal data is processed when you use these payment pages.

## What we keep
Your name and email address, your password as a one-way hash, the orders you place, the payments and refunds made for them, and references to cards you saved (brand, last four digits, expiry). We never receive your full card number or security code: Stripe collects them.

## Why
To run your account, take payments you ask for, refund them, prevent fraud and keep the financial records the law requires.

## Who else sees it
Stripe, our payment processor, receives your payment details and the data needed to process a payment.

## How long
Financial records (orders, payments, refunds and the log of what was done to them) are kept as the law requires, with your personal data removed when you delete your account. Everything else is deleted on a schedule that runs every day:
- Sign-in sessions end after ${period(session.idleTimeoutMs)} without activity and after ${period(session.absoluteTimeoutMs)} at most, and are ${sessions}.
- The record that recognises a repeated request (it may hold the answer we gave, with your name and email) is deleted ${period(r.idempotencyKeys)} after the request.
- Stripe's notifications about your payments (they may hold your name, email and the card's brand and last four digits) are kept ${period(r.webhookPayloads)} after we processed them; then only their identifier, type and status remain.
- Messages we sent you are deleted ${period(r.sentOutbox)} after sending.
- Notifications about your account and payments passed to the business's own systems (they may hold your name and email) are deleted ${period(r.merchantEvents)} after the change they describe.
- The IP address recorded with what is done on your account and payments is erased from our records after ${period(r.auditIps)}; the record of what was done stays.
- When you delete your account, the record of which terms you accepted (without your IP address) is kept ${period(r.deletedAccounts)} as proof of our agreement, then deleted.
- Data exports are made when you ask for one and sent to you; we keep no copy.
- Server logs never contain your name, email address, IP address or password; they are kept as long as the log storage of whoever runs this service keeps them.
- Operational records that may name our staff (alert deliveries, mail kept by the test mail catcher, per-minute figures) are deleted after ${period(r.alertNotifications)}, ${period(r.caughtMail)} and ${period(r.metricMinutes)}.

## Your rights
You can download all your data, and delete your account, from your account page.`;
}

/** The current version of a document, its periods written from `settings`. */
export function legalDocument(id: LegalDocumentId, settings: PolicySettings): LegalDocument {
  return { ...legalDocuments[id], body: id === 'terms' ? TERMS_BODY : privacyBody(settings) };
}
