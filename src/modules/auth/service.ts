// Accounts: sign-up, sign-in, sign-out. Passwords are argon2id hashes; emails are lower-cased
// for lookup. Every account action is audited in the transaction that performs it.
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, badRequest, conflict } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { legalDocuments } from '../legal/documents.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import * as repo from './repository.ts';
import type { LoginBody, SignupBody, User } from './schemas.ts';
import type { SessionStore } from './sessions.ts';

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface SignedIn {
  /** Null while the second factor is pending: nothing is open to this session yet. */
  user: User | null;
  token: string;
  csrfToken: string;
  /** The password was right and the account has a second factor: its code comes next (ADR 023). */
  secondFactorPending: boolean;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toPublicUser(row: repo.UserRow): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** Acceptances remembered at most; past it the memory starts again. */
const MAX_REMEMBERED_ACCEPTANCES = 50_000;

export class AuthService {
  /** Users known to have accepted a version of the Terms ("user id\nversion"). */
  private readonly acceptedTerms = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
    /** The merchant's webhook events (customer.created); absent in tooling that makes operators. */
    private readonly events?: {
      customerCreated(tx: DbOrTx, user: repo.UserRow): Promise<void>;
    },
  ) {}

  /** Whether anyone has an account yet (demo data is seeded only into an empty database). */
  async hasUsers(): Promise<boolean> {
    return (await repo.countUsers(this.db)) > 0;
  }

  findUser(id: string): Promise<repo.UserRow | undefined> {
    return repo.findUser(this.db, id);
  }

  /** A customer without a password (created by the merchant API), not erased. */
  async findGuest(id: string): Promise<repo.UserRow | undefined> {
    const row = await repo.findUser(this.db, id);
    return row && row.role === 'customer' && repo.isGuest(row) ? row : undefined;
  }

  /** A customer (not an operator) whose account was not erased. */
  async findLiveCustomer(id: string): Promise<repo.UserRow | undefined> {
    const row = await repo.findUser(this.db, id);
    return row && row.role === 'customer' && !repo.isErased(row) ? row : undefined;
  }

  /** Where to email a customer (customer-emails); undefined once the account is deleted. */
  async contactOf(userId: string): Promise<{ email: string; name: string } | undefined> {
    const row = await repo.findUser(this.db, userId);
    return row && !repo.isErased(row) ? { email: row.email, name: row.name } : undefined;
  }

  /** What the customer's data export shows of their account: acceptances and sessions. */
  async accountRecords(userId: string) {
    const [acceptances, sessions] = await Promise.all([
      repo.acceptancesOf(this.db, userId),
      repo.sessionsOf(this.db, userId),
    ]);
    return { acceptances, sessions };
  }

  /** Account deletion: sessions end, personal data is erased, the row stays pseudonymous. */
  erasePersonalData(tx: DbOrTx, userId: string, now: Date): Promise<void> {
    return repo.erasePersonalData(tx, userId, now);
  }

  /** After erasePersonalData's transaction committed: its sessions' cached copies stop serving. */
  personalDataErased(): Promise<void> {
    return this.sessions.changed();
  }

  /** Legal acceptances of accounts deleted before `before` (retention, ADR 024). */
  countDeletedAccountLeftovers(before: Date): Promise<number> {
    return repo.countDeletedAccountLeftovers(this.db, before);
  }

  /** Deletes up to `limit` of them; returns how many. */
  deleteDeletedAccountLeftovers(before: Date, limit: number): Promise<number> {
    return repo.deleteDeletedAccountLeftovers(this.db, before, limit);
  }

  async signup(input: SignupBody, meta: RequestMeta): Promise<SignedIn> {
    if (input.accept_terms !== true) {
      throw badRequest(
        'terms_not_accepted',
        'Accept the Terms of Service and the Privacy Policy to create an account.',
        {
          field: 'accept_terms',
        },
      );
    }
    const name = input.name.trim();
    if (!name) throw badRequest('validation_failed', 'name must not be blank.', { field: 'name' });
    const email = normaliseEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    const now = this.clock.now();

    return this.db.transaction(async (tx) => {
      const user = await repo.insertUser(tx, { email, name, passwordHash });
      if (!user) {
        throw conflict(
          'email_taken',
          'An account with this email already exists. Sign in instead.',
          {
            field: 'email',
          },
        );
      }
      for (const doc of [legalDocuments.terms, legalDocuments.privacy]) {
        await repo.recordAcceptance(tx, {
          userId: user.id,
          document: doc.document,
          version: doc.version,
          ip: meta.ip,
          acceptedAt: now,
        });
      }
      await this.events?.customerCreated(tx, user);
      const session = await this.sessions.create(tx, user.id, meta);
      await appendAudit(tx, {
        actorType: 'user',
        actorId: user.id,
        action: 'account.created',
        targetType: 'user',
        targetId: user.id,
        after: {
          role: user.role,
          terms_version: legalDocuments.terms.version,
          privacy_version: legalDocuments.privacy.version,
        },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
      return { user: toPublicUser(user), secondFactorPending: false, ...session };
    });
  }

  /** Signs in, replacing the caller's previous session (session id rotation). */
  async login(input: LoginBody, meta: RequestMeta, previousSessionId?: string): Promise<SignedIn> {
    const user = await repo.findUserByEmail(this.db, normaliseEmail(input.email));
    const ok = user
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!user || !ok) {
      throw new AppError(401, 'invalid_credentials', 'The email or password is incorrect.');
    }
    // An enrolled account gets a session that opens only the second step (ADR 023): the password
    // alone never yields a full session. Its audit entry is written when the code is given.
    const totp = await repo.findTotp(this.db, user.id);
    if (totp?.confirmedAt) {
      return this.sessions.replacing(previousSessionId, async (tx) => {
        const session = await this.sessions.create(tx, user.id, meta, {
          secondFactorPending: true,
        });
        return { user: null, secondFactorPending: true, ...session };
      });
    }
    return this.sessions.replacing(previousSessionId, async (tx) => {
      const session = await this.sessions.create(tx, user.id, meta);
      await appendAudit(tx, {
        actorType: user.role === 'admin' ? 'admin' : 'user',
        actorId: user.id,
        action: 'session.created',
        targetType: 'user',
        targetId: user.id,
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: this.clock.now(),
      });
      return { user: toPublicUser(user), secondFactorPending: false, ...session };
    });
  }

  async logout(
    user: User,
    sessionId: string,
    everywhere: boolean,
    meta: RequestMeta,
  ): Promise<void> {
    await this.sessions.changing(async (tx) => {
      const ended = everywhere
        ? await this.sessions.destroyAllForUser(tx, user.id)
        : (await this.sessions.destroy(tx, sessionId), 1);
      await appendAudit(tx, {
        actorType: user.role === 'admin' ? 'admin' : 'user',
        actorId: user.id,
        action: everywhere ? 'session.ended_everywhere' : 'session.ended',
        targetType: 'user',
        targetId: user.id,
        after: { sessions_ended: ended },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: this.clock.now(),
      });
    });
  }

  /**
   * Changes a signed-in user's password. The current one is required (a browser left signed in
   * must not be enough), and every other session of the account ends: whoever else was signed in
   * with the old password is out.
   */
  async changePassword(
    user: User,
    sessionId: string,
    input: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<{ sessionsEnded: number }> {
    const row = await repo.findUser(this.db, user.id);
    if (!row || !(await verifyPassword(row.passwordHash, input.currentPassword))) {
      throw new AppError(403, 'password_invalid', 'The current password is incorrect.', {
        field: 'current_password',
      });
    }
    if (input.newPassword === input.currentPassword) {
      throw badRequest('password_unchanged', 'Choose a password different from the current one.', {
        field: 'new_password',
      });
    }
    const passwordHash = await hashPassword(input.newPassword);
    return this.sessions.changing(async (tx) => {
      const now = this.clock.now();
      await repo.setPasswordHash(tx, user.id, passwordHash, now);
      const sessionsEnded = await repo.deleteOtherSessionsOfUser(tx, user.id, sessionId);
      await appendAudit(tx, {
        actorType: user.role === 'admin' ? 'admin' : 'user',
        actorId: user.id,
        action: 'password.changed',
        targetType: 'user',
        targetId: user.id,
        after: { other_sessions_ended: sessionsEnded },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
      return { sessionsEnded };
    });
  }

  /**
   * Refuses (403 terms_not_accepted) a user who has not accepted the current Terms of Service:
   * a new version must be accepted before the next payment.
   */
  async requireCurrentTerms(userId: string): Promise<void> {
    const terms = legalDocuments.terms;
    // An acceptance is never withdrawn while the account lives: once seen, it is remembered
    // (every payment checks it; ADR 029).
    const key = `${userId}\n${terms.version}`;
    if (this.acceptedTerms.has(key)) return;
    if (await repo.hasAccepted(this.db, userId, 'terms', terms.version)) {
      if (this.acceptedTerms.size >= MAX_REMEMBERED_ACCEPTANCES) this.acceptedTerms.clear();
      this.acceptedTerms.add(key);
      return;
    }
    throw new AppError(
      403,
      'terms_not_accepted',
      `Our Terms of Service changed on ${terms.effective_date}. Read and accept them to pay.`,
      { details: { document: 'terms', version: terms.version } },
    );
  }

  /** Records that a signed-in user accepted the current version of the Terms (idempotent). */
  async acceptTerms(user: User, version: string, meta: RequestMeta): Promise<{ version: string }> {
    const terms = legalDocuments.terms;
    if (version !== terms.version) {
      throw conflict(
        'terms_version_outdated',
        `Version ${version} is not the current one (${terms.version}): read the current Terms and accept those.`,
        { field: 'version' },
      );
    }
    await this.db.transaction(async (tx) => {
      if (await repo.hasAccepted(tx, user.id, 'terms', version)) return;
      const now = this.clock.now();
      await repo.recordAcceptance(tx, {
        userId: user.id,
        document: 'terms',
        version,
        ip: meta.ip,
        acceptedAt: now,
      });
      await appendAudit(tx, {
        actorType: user.role === 'admin' ? 'admin' : 'user',
        actorId: user.id,
        action: 'legal.accepted',
        targetType: 'user',
        targetId: user.id,
        after: { document: 'terms', version },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
    });
    return { version };
  }

  /** Operators' addresses (at most 20): where alert mail goes when ALERT_EMAIL_TO is not set. */
  operatorEmails(): Promise<string[]> {
    return repo.operatorEmails(this.db, 20);
  }

  /** Creates an account without a session (demo data, admin tooling). Returns undefined if taken. */
  async createAccount(input: {
    email: string;
    name: string;
    password: string;
    role: 'customer' | 'admin';
  }) {
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction(async (tx) => {
      const user = await repo.insertUser(tx, {
        email: normaliseEmail(input.email),
        name: input.name,
        passwordHash,
        role: input.role,
      });
      if (!user) return undefined;
      await this.events?.customerCreated(tx, user);
      for (const doc of [legalDocuments.terms, legalDocuments.privacy]) {
        await repo.recordAcceptance(tx, {
          userId: user.id,
          document: doc.document,
          version: doc.version,
          ip: null,
          acceptedAt: this.clock.now(),
        });
      }
      await appendAudit(tx, {
        actorType: 'system',
        action: 'account.created',
        targetType: 'user',
        targetId: user.id,
        after: { role: user.role },
        occurredAt: this.clock.now(),
      });
      return toPublicUser(user);
    });
  }
}
