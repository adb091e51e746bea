// Emails to customers (issue 15, ADR 028), for real: SMTP_URL points at a local SMTP server
// started here; payments, charges and refunds go through the real routes and the simulator, and
// the send job runs through the worker's own handler (`runJobs`, retries included). Each test
// reads only the mail addressed to its own customer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithCard, aCustomerWithOrder, aMerchantOrder, pay } from '../helpers/builders.ts';
import { anAdmin, anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { authenticate } from '../helpers/stripe.ts';
import { mailHeader, mailPart, startSmtpSink, type ReceivedMail } from '../helpers/receivers.ts';
import { outbox } from '../../src/db/schema.ts';
import { SEND_JOB } from '../../src/modules/customer-emails/service.ts';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let api: ApiClient;

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <shop@example.test>' } });
  api = (await anApiKey(t)).api;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** Works the queued send jobs (the nudges the changes sent), as the worker would. */
const runSendJobs = () => t.runJobs((j) => j.name === SEND_JOB);

const mailTo = (email: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(email));

/** The first link in `text` that starts with the public URL and `path`. */
function linkIn(text: string, path: string): string | undefined {
  const start = text.indexOf(`${t.config.publicUrl}${path}`);
  return start < 0 ? undefined : /^[^\s"<]+/.exec(text.slice(start))?.[0];
}

const messagesOf = (userId: string) =>
  t.database.db.select().from(outbox).where(eq(outbox.userId, userId));

describe('customer emails: payment receipt', () => {
  it('when a customer pays an order, then a receipt with the amount, the card and the order link reaches their address, once', async () => {
    const { client, user, order } = await aCustomerWithOrder(t, { unitAmount: 4200 });
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(res.statusCode, res.body).toBe(200);

    await runSendJobs();
    const mail = mailTo(user.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.from).toBe('shop@example.test');
    expect(mail[0]!.subject).toBe('Receipt: $42.00 paid');
    const text = mailPart(mail[0]!, 'text/plain');
    expect(text).toContain('We received your payment of $42.00');
    expect(text).toContain('Card: Visa ending in 4242');
    expect(linkIn(text, '/orders/')).toBe(`${t.config.publicUrl}/orders/${order.id}`);
    const html = mailPart(mail[0]!, 'text/html');
    expect(html).toContain(`href="${t.config.publicUrl}/orders/${order.id}"`);
    expect(mailHeader(mail[0]!, 'Message-ID')).toMatch(/^<outbox-\d+\.\d+@localhost>$/);

    const [row] = await messagesOf(user.id);
    expect(row).toMatchObject({ kind: 'payment_receipt', outcome: 'sent', attempts: 1 });
    // The every-minute sweep finds nothing left to send.
    await t.app.services.customerEmails.sweep();
    expect(mailTo(user.email)).toHaveLength(1);
  });

  it('when a payment is declined, then no receipt is written', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    const res = await pay(client, order.id, { payment_method_id: 'pm_card_visa_chargeDeclined' });
    expect(res.statusCode).toBe(402);
    expect(await messagesOf(user.id)).toEqual([]);
  });

  it('when the change rolls back, then its email is never sent, and its nudge finds nothing', async () => {
    const { user } = await aCustomerWithOrder(t);
    const emails = t.app.services.customerEmails;
    await expect(
      t.database.db.transaction(async (tx) => {
        await emails.passwordReset(tx, user.id, 'a-token-that-never-was-committed');
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const runs = await runSendJobs();
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.ok)).toBe(true);
    expect(await messagesOf(user.id)).toEqual([]);
    expect(mailTo(user.email)).toEqual([]);
  });
});

describe('customer emails: "confirm your payment" for an off-session charge', () => {
  it('when a merchant charge needs 3-D Secure, then the customer gets a link to the order’s checkout, where they authenticate and the order is paid', async () => {
    // 4000002760003184: saves fine, then every payment needs authentication.
    const { client, user, card } = await aCustomerWithCard(t, '4000002760003184');
    const order = await aMerchantOrder(api, {
      customer_id: user.id,
      amount: 2600,
      description: 'Monthly plan',
    });
    const charge = await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    expect(charge.json().error.code).toBe('authentication_required');

    await runSendJobs();
    const mail = mailTo(user.email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe('Action needed: confirm your payment of $26.00');
    const text = mailPart(mail[0]!, 'text/plain');
    expect(text).toContain('for Monthly plan');
    const link = linkIn(text, '/checkout/');
    // The order's signed link: it opens the checkout without signing in for a guest too.
    expect(link?.startsWith(`${t.config.publicUrl}/checkout/${order.id}?token=`), link).toBe(true);
    expect(mailPart(mail[0]!, 'text/html')).toContain(`href="${link}"`);

    // What the checkout behind the link does: pay the order with the card, pass 3-D Secure.
    const orderId = new URL(link!).pathname.split('/').at(-1)!;
    const res = await pay(client, orderId, { payment_method_id: card.id });
    expect(res.json().payment.status).toBe('requires_action');
    await authenticate(t, res.json().payment.client_secret, 'complete');
    const synced = await client.request('POST', `/api/orders/${orderId}/sync`);
    expect(synced.json().order.status).toBe('paid');

    // …and the paid order sends its receipt.
    await runSendJobs();
    expect(mailTo(user.email).map((m) => m.subject)).toEqual([
      'Action needed: confirm your payment of $26.00',
      'Receipt: $26.00 paid',
    ]);
  });

  it('when the order was paid before the email went out, then it is not sent', async () => {
    const { client, user } = await aCustomerWithCard(t, '4000002760003184');
    const order = await aMerchantOrder(api, { customer_id: user.id, amount: 1900 });
    await api.request('POST', `/api/v1/orders/${order.id}/charge`, { body: {} });
    const jobs = t.jobs.filter((j) => j.name === SEND_JOB);
    // The customer pays another way before the nudge runs.
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    expect(jobs.length).toBeGreaterThan(0);
    await runSendJobs();
    expect(mailTo(user.email).map((m) => m.subject)).toEqual(['Receipt: $19.00 paid']);
    const rows = await messagesOf(user.id);
    expect(rows.map((r) => [r.kind, r.outcome]).sort()).toEqual([
      ['payment_receipt', 'sent'],
      ['payment_requires_authentication', 'skipped'],
    ]);
  });
});

describe('customer emails: refund notice', () => {
  it('when an order is refunded, then the customer gets a refund notice with the amount and the card', async () => {
    const { client, user, order } = await aCustomerWithOrder(t, { unitAmount: 5000 });
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const refund = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 1250, reason: 'requested_by_customer' },
    });
    expect(refund.statusCode, refund.body).toBe(200);
    expect(refund.json().status).toBe('succeeded');

    await runSendJobs();
    const notice = mailTo(user.email).find((m) => m.subject.startsWith('Refund'));
    expect(notice?.subject).toBe('Refund: $12.50');
    const text = mailPart(notice!, 'text/plain');
    expect(text).toContain('We refunded $12.50 to your card');
    expect(text).toContain('Card: Visa ending in 4242');
    expect(linkIn(text, '/orders/')).toBe(`${t.config.publicUrl}/orders/${order.id}`);
  });
});

describe('customer emails: retries', () => {
  it('when the mail server refuses the first attempt, then the job is retried and the receipt is sent exactly once', async () => {
    const { client, user, order } = await aCustomerWithOrder(t, { unitAmount: 3100 });
    smtp.setRefusing(true);
    try {
      expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
        200,
      );
      const [first] = await runSendJobs();
      expect(first).toMatchObject({ ok: false, retried: true });
      expect(first!.error).toMatch(/451/);
      const [row] = await messagesOf(user.id);
      expect(row).toMatchObject({ outcome: null, sentAt: null, attempts: 1 });
      expect(row!.lastError).toMatch(/Try again later/);
    } finally {
      smtp.setRefusing(false);
    }
    const [retry] = await runSendJobs();
    expect(retry).toMatchObject({ ok: true, retryCount: 1 });
    // A second delivery of the same job, and the sweep, find it sent.
    await t.app.services.customerEmails.sendOne((await messagesOf(user.id))[0]!.id);
    await t.app.services.customerEmails.sweep();
    expect(mailTo(user.email).map((m) => m.subject)).toEqual(['Receipt: $31.00 paid']);
    expect((await messagesOf(user.id))[0]).toMatchObject({ outcome: 'sent', attempts: 2 });
  });
});

describe('customer emails: account deletion', () => {
  it('when a customer deletes their account, then the confirmation reaches the address it had, and the row forgets the address once sent', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const res = await client.request('DELETE', '/api/account', {
      body: { password: 'a-long-enough-password' },
    });
    expect(res.statusCode, res.body).toBe(200);
    // Until it is sent, the row holds the address and name encrypted (ADR 027), never in clear.
    const waiting = await t.database.pool.query(
      `select payload::text as payload from outbox where kind = 'account_deleted' and sent_at is null`,
    );
    const waitingText = waiting.rows.map((r) => r.payload as string).join('\n');
    expect(waitingText).toMatch(/"email": "pd1\./);
    expect(waitingText).not.toContain(user.email);
    expect(waitingText).not.toContain(user.name);

    await runSendJobs();
    // The receipt went with the account's other messages; the confirmation is the one email.
    expect(mailTo(user.email).map((m) => m.subject)).toEqual(['Your Paydeck account was deleted']);
    const [mail] = mailTo(user.email);
    expect(mailPart(mail!, 'text/plain')).toContain('This is the last email we send you.');
    expect(await messagesOf(user.id)).toEqual([]);
    const rows = await t.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.kind, 'account_deleted'));
    const rowsText = JSON.stringify(rows);
    expect(rowsText).not.toContain(user.email);
    expect(rows.some((r) => r.outcome === 'sent')).toBe(true);
  });
});

describe('customer emails with nothing configured (npm start)', () => {
  let local: TestApp;
  beforeAll(async () => {
    local = await createTestApp();
  });
  afterAll(() => local?.close());

  it('when a customer pays, then the receipt is kept by the local catcher and the console lists it', async () => {
    expect(local.config.mail.smtpUrl).toBeUndefined();
    const { client, user, order } = await aCustomerWithOrder(local, { unitAmount: 1500 });
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    await local.runJobs((j) => j.name === SEND_JOB);

    const admin = (await anAdmin(local)).client;
    const res = await admin.request('GET', '/api/admin/mail?limit=100');
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      mailer: string;
      data: Array<{ to: string; subject: string; text: string }>;
    };
    expect(body.mailer).toBe('catcher');
    const caught = body.data.filter((m) => m.to === user.email);
    expect(caught).toHaveLength(1);
    expect(caught[0]!.subject).toBe('Receipt: $15.00 paid');
    expect(caught[0]!.text).toContain(`/orders/${order.id}`);
  });
});
