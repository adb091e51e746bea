// Emails to customers (ADR 028): receipts, refund notices, "confirm your payment" for an
// off-session charge that needs 3-D Secure, password resets and the account-deletion
// confirmation.
//
// Other components call the one-line hooks below inside the transaction of their change: one
// outbox row is written there, so a message exists exactly when its change committed. A nudge
// job (`customer-emails.send` with the row's id) sends it a second later, with pg-boss retries
// when the mail server fails; the same job without an id runs every minute as a sweep and picks
// up whatever a lost nudge left. Sending is once per row: a sender claims the row (a lease and
// attempts + 1), sends through the Mailer (SMTP, or the local catcher) with a Message-ID derived
// from the row, then marks it sent with a compare-and-set on its attempt count. The message's
// words are read when it is sent (./templates.ts), from the order as it is then.
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../../db/client.ts';
import type { PaymentStatus, RefundStatus } from '../../db/statuses.ts';
import type { JobSender } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { PASSWORD_RESET_VALID_MS } from '../auth/password-reset.ts';
import type { Mailer } from '../mail/mailer.ts';
import * as repo from './repository.ts';
import * as templates from './templates.ts';

export const SEND_JOB = 'customer-emails.send';

/** A sender holds a row this long (SMTP attempts are bounded far below it). */
const LEASE_MS = 5 * 60_000;
/** After this many attempts a message is given up (about a day of sweeps, see retryDelayMs). */
export const MAX_ATTEMPTS = 30;
const BATCH = 20;

/** When the sweep may try again after `attempts` failed: 1, 2, 4 … minutes, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export type EmailKind =
  | 'payment_receipt'
  | 'payment_requires_authentication'
  | 'refund_notice'
  | 'password_reset'
  | 'account_deleted';

/** Payload keys needed only to send the message, removed from the row once it is done. */
const ERASED_WHEN_DONE: Partial<Record<string, string[]>> = {
  password_reset: ['token'],
  account_deleted: ['email', 'name'],
};

/** The order as the emails need it (the customer API's view of it). */
export interface OrderForEmail {
  id: string;
  status: string;
  description: string | null;
  amount: number;
  currency: string;
  paid_at: string | null;
  /** The order's signed checkout link (it opens for a customer without an account too). */
  checkout_url: string;
  payments: Array<{
    id: string;
    amount_captured: number;
    currency: string;
    card: { brand: string; last4: string } | null;
  }>;
  refunds: Array<{ id: string; payment_id: string; amount: number; currency: string }>;
}

/** What the emails read from their neighbours when they are sent (wired in server/services.ts). */
export interface EmailSources {
  /** The account's address and name; undefined once the account is deleted. */
  contactOf(userId: string): Promise<{ email: string; name: string } | undefined>;
  order(orderId: string): Promise<OrderForEmail | undefined>;
}

export interface CustomerEmailsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  jobs: JobSender;
  /** Undefined in live mode without SMTP_URL: messages wait until a mail server is configured. */
  mailer: Mailer | undefined;
  sources: EmailSources;
  publicUrl: string;
}

interface Composed extends templates.RenderedEmail {
  to: string;
}

/** Addresses out of error text before it is logged or stored (SMTP errors quote recipients). */
function withoutAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[address]').slice(0, 500);
}

const str = (payload: unknown, key: string): string | undefined => {
  const value = (payload as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : undefined;
};

export class CustomerEmailsService {
  private readonly host: string;

  constructor(private readonly deps: CustomerEmailsDeps) {
    this.host = new URL(deps.publicUrl).hostname || 'paydeck';
  }

  // --- Hooks: called by other components inside the transaction of their change -------------

  /** A payment succeeded: the receipt (payments, settle step). */
  async paymentChanged(
    tx: DbOrTx,
    payment: { id: string; orderId: string; userId: string; status: PaymentStatus },
    from: PaymentStatus,
  ): Promise<void> {
    if (payment.status !== 'succeeded' || from === 'succeeded') return;
    await this.queue(tx, payment.userId, 'payment_receipt', {
      order_id: payment.orderId,
      payment_id: payment.id,
    });
  }

  /** An off-session payment needs the customer to authenticate it (payments, off-session step). */
  async authenticationNeeded(
    tx: DbOrTx,
    payment: { id: string; orderId: string; userId: string; amount: number; currency: string },
  ): Promise<void> {
    await this.queue(tx, payment.userId, 'payment_requires_authentication', {
      order_id: payment.orderId,
      payment_id: payment.id,
      amount: payment.amount,
      currency: payment.currency,
      checkout_path: `/checkout/${payment.orderId}`,
    });
  }

  /** A refund went through: the refund notice (refunds, settle step). */
  async refundChanged(
    tx: DbOrTx,
    from: RefundStatus,
    refund: { id: string; orderId: string; status: RefundStatus },
    customerId: string,
  ): Promise<void> {
    if (refund.status !== 'succeeded' || from === 'succeeded') return;
    await this.queue(tx, customerId, 'refund_notice', {
      order_id: refund.orderId,
      refund_id: refund.id,
    });
  }

  /**
   * "Forgot password" (auth). The token travels in the row until the email is sent, then it is
   * erased from it: the database keeps only its hash (in password_resets).
   */
  async passwordReset(tx: DbOrTx, userId: string, token: string): Promise<void> {
    await this.queue(tx, userId, 'password_reset', { token });
  }

  /**
   * The account was deleted (account). The row names no user (the account's messages were just
   * deleted with it) and carries the address it had, erased from the row once sent.
   */
  async accountDeleted(tx: DbOrTx, contact: { email: string; name: string }): Promise<void> {
    await this.queue(tx, null, 'account_deleted', {
      email: contact.email,
      name: contact.name,
      deleted_at: this.deps.clock.now().toISOString(),
    });
  }

  private async queue(
    tx: DbOrTx,
    userId: string | null,
    kind: EmailKind,
    payload: Record<string, unknown>,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const id = await repo.insertMessage(tx, { userId, kind, payload, createdAt: now });
    // Sent outside the transaction and not awaited. A nudge that runs before the commit finds
    // nothing (nor does one for a change that rolled back); the sweep sends the row then.
    this.deps.jobs
      .send(SEND_JOB, { outboxId: id }, { startAfter: new Date(now.getTime() + 1000) })
      .catch((err: unknown) =>
        this.deps.logger.warn({ err, outbox_id: id }, 'email not nudged; the sweep will send it'),
      );
  }

  // --- The customer's data --------------------------------------------------------------------

  /** Messages written for the customer, for their export (a reset token never leaves). */
  async messagesOf(userId: string) {
    return (await repo.messagesOf(this.deps.db, userId)).map((m) => ({
      kind: m.kind,
      payload: Object.fromEntries(
        Object.entries(m.payload as Record<string, unknown>).filter(([key]) => key !== 'token'),
      ),
      created_at: m.createdAt.toISOString(),
      sent_at: m.sentAt?.toISOString() ?? null,
    }));
  }

  /** Account deletion, inside its transaction: the customer's messages are deleted. */
  deleteMessagesOf(tx: DbOrTx, userId: string): Promise<number> {
    return repo.deleteMessagesOf(tx, userId);
  }

  /** Messages done with before `before` (retention; unsent ones never count). */
  countSentMessages(before: Date): Promise<number> {
    return repo.countSentMessages(this.deps.db, before);
  }

  /** Deletes up to `limit` of those messages; returns how many. */
  deleteSentMessages(before: Date, limit: number): Promise<number> {
    return repo.deleteSentMessages(this.deps.db, before, limit);
  }

  // --- Sending ----------------------------------------------------------------------------------

  /**
   * Sends one message (the nudge job). Throws when the mail server failed, so pg-boss retries;
   * returns quietly when there is nothing to do: already sent, held by another sender, or never
   * committed.
   */
  async sendOne(outboxId: number): Promise<void> {
    if (!this.deps.mailer) return;
    const now = this.deps.clock.now();
    const row = await repo.claimOne(this.deps.db, outboxId, now, this.leaseFrom(now));
    if (!row) return;
    const error = await this.attempt(row);
    if (error !== null) throw new Error(`email ${outboxId} not sent: ${error}`);
  }

  /** Sends every message whose time has come (the every-minute sweep). */
  async sweep(): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    if (!this.deps.mailer) return { sent, failed };
    for (;;) {
      const now = this.deps.clock.now();
      const due = await repo.claimDue(this.deps.db, now, this.leaseFrom(now), BATCH);
      if (!due.length) return { sent, failed };
      for (const row of due) {
        if ((await this.attempt(row)) === null) sent++;
        else failed++;
      }
    }
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + LEASE_MS);
  }

  /** One attempt at a claimed row; null when it is done with (sent or skipped), else the error. */
  private async attempt(row: repo.OutboxRow): Promise<string | null> {
    const { db, clock, logger } = this.deps;
    const mailer = this.deps.mailer!;
    const erase = ERASED_WHEN_DONE[row.kind] ?? [];
    let error: string;
    try {
      const message = await this.compose(row);
      if (!message) {
        await repo.finish(db, row, { outcome: 'skipped', at: clock.now(), error: null, erase });
        logger.info({ outbox_id: row.id, kind: row.kind }, 'email not needed any more; skipped');
        return null;
      }
      await mailer.send({
        to: [message.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: this.messageId(row),
      });
      await repo.finish(db, row, { outcome: 'sent', at: clock.now(), error: null, erase });
      logger.info({ outbox_id: row.id, kind: row.kind, mailer: mailer.kind }, 'email sent');
      return null;
    } catch (err) {
      error = withoutAddresses((err as Error).message ?? String(err));
    }
    const now = clock.now();
    if (row.attempts >= MAX_ATTEMPTS) {
      await repo.finish(db, row, { outcome: 'failed', at: now, error, erase });
      logger.error({ outbox_id: row.id, kind: row.kind, attempts: row.attempts }, 'email given up');
    } else {
      await repo.recordFailure(
        db,
        row,
        error,
        new Date(now.getTime() + retryDelayMs(row.attempts)),
      );
      logger.warn(
        { outbox_id: row.id, kind: row.kind, attempt: row.attempts, error },
        'email not sent; will retry',
      );
    }
    return error;
  }

  /** The same on every attempt, so a message sent twice after a crash reads as one. */
  private messageId(row: repo.OutboxRow): string {
    return `<outbox-${row.id}.${row.createdAt.getTime()}@${this.host}>`;
  }

  /** The email a row stands for, read now; undefined when it is no longer needed. */
  private async compose(row: repo.OutboxRow): Promise<Composed | undefined> {
    const { sources, publicUrl, clock } = this.deps;
    const payload = row.payload;
    if (row.kind === 'account_deleted') {
      const email = str(payload, 'email');
      if (!email) return undefined;
      const deletedAt = new Date(str(payload, 'deleted_at') ?? row.createdAt.toISOString());
      return {
        to: email,
        ...templates.accountDeleted({ name: str(payload, 'name') ?? null, deletedAt }),
      };
    }
    const contact = row.userId ? await sources.contactOf(row.userId) : undefined;
    if (!contact) return undefined;
    const name = contact.name;
    if (row.kind === 'password_reset') {
      const token = str(payload, 'token');
      const expired = clock.now().getTime() - row.createdAt.getTime() >= PASSWORD_RESET_VALID_MS;
      if (!token || expired) return undefined;
      return {
        to: contact.email,
        ...templates.passwordReset({
          name,
          // In the fragment: never sent to a server, so never in an access log or a Referer.
          resetUrl: `${publicUrl}/reset-password#token=${token}`,
          validMinutes: PASSWORD_RESET_VALID_MS / 60_000,
        }),
      };
    }
    const orderId = str(payload, 'order_id');
    const order = orderId ? await sources.order(orderId) : undefined;
    if (!order) return undefined;
    const orderUrl = `${publicUrl}/orders/${order.id}`;
    const description = order.description ?? '';
    if (row.kind === 'payment_receipt') {
      const payment = order.payments.find((p) => p.id === str(payload, 'payment_id'));
      if (!payment) return undefined;
      return {
        to: contact.email,
        ...templates.receipt({
          name,
          orderId: order.id,
          description,
          amount: payment.amount_captured,
          currency: payment.currency,
          card: payment.card,
          paidAt: order.paid_at ? new Date(order.paid_at) : row.createdAt,
          orderUrl,
        }),
      };
    }
    if (row.kind === 'payment_requires_authentication') {
      // Paid or canceled meanwhile: nothing to confirm any more.
      if (order.status !== 'requires_action') return undefined;
      return {
        to: contact.email,
        ...templates.confirmPayment({
          name,
          orderId: order.id,
          description,
          amount: order.amount,
          currency: order.currency,
          // Signed: opens the checkout also for a customer without an account (ADR 030).
          checkoutUrl: order.checkout_url,
        }),
      };
    }
    if (row.kind === 'refund_notice') {
      const refund = order.refunds.find((r) => r.id === str(payload, 'refund_id'));
      if (!refund) return undefined;
      const payment = order.payments.find((p) => p.id === refund.payment_id);
      return {
        to: contact.email,
        ...templates.refundNotice({
          name,
          orderId: order.id,
          description,
          amount: refund.amount,
          currency: refund.currency,
          card: payment?.card ?? null,
          orderUrl,
        }),
      };
    }
    return undefined;
  }
}
