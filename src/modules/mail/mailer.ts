// Outgoing mail. With SMTP_URL, nodemailer sends it through that server. Without it, outside live
// mode, it goes to the local catcher (the caught_mail table) and the console's Mail page shows
// it: a new user sees every message Paydeck would send without running a mail server. In live
// mode without SMTP_URL there is no mailer at all, and start-up says so.
import { createTransport } from 'nodemailer';
import type { Db } from '../../db/client.ts';
import {
  countCaughtMailBefore,
  deleteCaughtMailBefore,
  insertCaughtMail,
  listCaughtMail,
  type CaughtMailRow,
} from './repository.ts';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /**
   * The Message-ID header, `<…@…>`. A message sent again after a crash keeps its id, so mail
   * clients can tell it is the same one.
   */
  messageId?: string;
}

export interface Mailer {
  /** Where mail goes, for logs and the console: `smtp` or `catcher`. */
  readonly kind: 'smtp' | 'catcher';
  send(message: MailMessage): Promise<void>;
}

/** Sends through an SMTP server (smtp:// or smtps://, credentials in the URL). */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  private readonly transport: ReturnType<typeof createTransport>;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // Bounded: a mail server that hangs must not hold a job for minutes.
    this.transport = createTransport({
      url: smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.to.join(', '),
      subject: message.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      ...(message.messageId ? { messageId: message.messageId } : {}),
    });
  }
}

/** Keeps the message in the database instead of sending it. */
export class CatcherMailer implements Mailer {
  readonly kind = 'catcher';

  constructor(
    private readonly db: Db,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await insertCaughtMail(this.db, {
      from: this.from,
      to: message.to.join(', '),
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
    });
  }
}

export function createMailer(
  db: Db,
  settings: { smtpUrl: string | undefined; from: string; catcher: boolean },
): Mailer | undefined {
  if (settings.smtpUrl) return new SmtpMailer(settings.smtpUrl, settings.from);
  return settings.catcher ? new CatcherMailer(db, settings.from) : undefined;
}

/** The catcher's messages, for the console's Mail page. */
export function caughtMail(
  db: Db,
  page: { limit: number; startingAfter?: number | undefined },
): Promise<{ data: CaughtMailRow[]; hasMore: boolean }> {
  return listCaughtMail(db, page);
}

/** The catcher's messages kept since before `before` (retention, ADR 024). */
export function countCaughtMail(db: Db, before: Date): Promise<number> {
  return countCaughtMailBefore(db, before);
}

/** Deletes up to `limit` of them; returns how many. */
export function deleteCaughtMail(db: Db, before: Date, limit: number): Promise<number> {
  return deleteCaughtMailBefore(db, before, limit);
}
