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
  user: User;
  token: string;
  csrfToken: string;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toPublicUser(row: repo.UserRow): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
  ) {}

  /** Whether anyone has an account yet (demo data is seeded only into an empty database). */
  async hasUsers(): Promise<boolean> {
    return (await repo.countUsers(this.db)) > 0;
  }

  findUser(id: string): Promise<repo.UserRow | undefined> {
    return repo.findUser(this.db, id);
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
      return { user: toPublicUser(user), ...session };
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
    return this.db.transaction(async (tx) => {
      if (previousSessionId) await this.sessions.destroy(tx, previousSessionId);
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
      return { user: toPublicUser(user), ...session };
    });
  }

  async logout(
    user: User,
    sessionId: string,
    everywhere: boolean,
    meta: RequestMeta,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
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
