// "Forgot password": a single-use link by email, valid 30 minutes. The request answers the same
// whether or not the address has an account (no account enumeration); only the token's SHA-256
// is stored, and the token itself travels in the outbox row until the email is sent (ADR 028).
// Setting a new password uses up every link of the account and ends every session of it. A
// second factor is untouched: an operator who has one still gives its code to sign in.
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { badRequest } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { hashPassword } from './passwords.ts';
import * as repo from './repository.ts';
import type { SessionStore } from './sessions.ts';
import { normaliseEmail, type RequestMeta } from './service.ts';

/** How long a link works; the email says the same (customer-emails reads this). */
export const PASSWORD_RESET_VALID_MS = 30 * 60_000;

/** The email with the link, written in the request's transaction (customer-emails). */
export interface PasswordResetMail {
  passwordReset(tx: DbOrTx, userId: string, token: string): Promise<void>;
}

const invalidLink = () =>
  badRequest(
    'reset_link_invalid',
    'This password-reset link is not valid: it was used already, it expired, or it was copied incompletely. Ask for a new one.',
    { field: 'token' },
  );

const actorTypeOf = (row: repo.UserRow) => (row.role === 'admin' ? 'admin' : 'user');

export class PasswordResetService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly mail: PasswordResetMail,
    /** Ends cached sessions on every instance once the reset committed. */
    private readonly sessions: Pick<SessionStore, 'changing'>,
  ) {}

  /**
   * Emails a link when the address has an account; does nothing otherwise. The caller answers
   * the same either way.
   */
  async request(email: string, meta: RequestMeta): Promise<void> {
    const user = await repo.findUserByEmail(this.db, normaliseEmail(email));
    // Work of the same kind on both paths, so the answer's timing says little either way.
    const token = randomToken(32);
    const tokenHash = sha256Hex(token);
    if (!user || repo.isErased(user)) return;
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await repo.insertPasswordReset(tx, {
        userId: user.id,
        tokenHash,
        createdAt: now,
        expiresAt: new Date(now.getTime() + PASSWORD_RESET_VALID_MS),
      });
      await this.mail.passwordReset(tx, user.id, token);
      await appendAudit(tx, {
        actorType: actorTypeOf(user),
        actorId: user.id,
        action: 'password.reset_requested',
        targetType: 'user',
        targetId: user.id,
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
    });
  }

  /** Sets the password from a link: 400 reset_link_invalid when it is unknown, used or expired. */
  async confirm(
    token: string,
    password: string,
    meta: RequestMeta,
  ): Promise<{ sessionsEnded: number }> {
    const tokenHash = sha256Hex(token);
    // Checked before the (slow, deliberately) password hash, and again under the row lock.
    if (!this.usable(await repo.findPasswordReset(this.db, tokenHash))) throw invalidLink();
    const passwordHash = await hashPassword(password);
    return this.sessions.changing(async (tx) => {
      const reset = await repo.findPasswordReset(tx, tokenHash, { forUpdate: true });
      if (!this.usable(reset)) throw invalidLink();
      const user = await repo.findUser(tx, reset.userId);
      if (!user || repo.isErased(user)) throw invalidLink();
      const now = this.clock.now();
      await repo.usePasswordResets(tx, user.id, now);
      await repo.setPasswordHash(tx, user.id, passwordHash, now);
      // Whoever was signed in — perhaps the person who took the account — is out everywhere.
      const sessionsEnded = await repo.deleteSessionsOfUser(tx, user.id);
      await appendAudit(tx, {
        actorType: actorTypeOf(user),
        actorId: user.id,
        action: 'password.reset',
        targetType: 'user',
        targetId: user.id,
        after: { sessions_ended: sessionsEnded },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
      return { sessionsEnded };
    });
  }

  private usable(reset: repo.PasswordResetRow | undefined): reset is repo.PasswordResetRow {
    return Boolean(reset && !reset.usedAt && reset.expiresAt > this.clock.now());
  }
}
