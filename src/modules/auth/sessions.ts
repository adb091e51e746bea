// Server-side sessions. The browser holds a random token in an HttpOnly cookie; the database
// holds only its SHA-256, the CSRF token, and two deadlines: idle (extended on use) and
// absolute (fixed at sign-in).
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import * as repo from './repository.ts';

// Extending the idle deadline on every request would write on every request; once a minute is
// precise enough for a 30-minute timeout.
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionTimeouts {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
}

export interface ResolvedSession {
  id: string;
  csrfToken: string;
  user: repo.UserRow;
}

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly timeouts: SessionTimeouts,
  ) {}

  /** Creates a session and returns the cookie token (shown once, never stored). */
  async create(
    tx: DbOrTx,
    userId: string,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<{ token: string; csrfToken: string }> {
    const token = randomToken(32);
    const csrfToken = randomToken(32);
    const now = this.clock.now();
    await repo.insertSession(tx, {
      id: sha256Hex(token),
      userId,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: new Date(now.getTime() + this.timeouts.idleTimeoutMs),
      absoluteExpiresAt: new Date(now.getTime() + this.timeouts.absoluteTimeoutMs),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
    });
    return { token, csrfToken };
  }

  /** The live session for a cookie token, or undefined if unknown or expired. */
  async resolve(token: string): Promise<ResolvedSession | undefined> {
    const id = sha256Hex(token);
    const found = await repo.findSessionWithUser(this.db, id);
    if (!found) return undefined;
    const now = this.clock.now();
    const { session, user } = found;
    if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now) {
      await repo.deleteSession(this.db, id);
      return undefined;
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      const idle = new Date(
        Math.min(now.getTime() + this.timeouts.idleTimeoutMs, session.absoluteExpiresAt.getTime()),
      );
      await repo.touchSession(this.db, id, now, idle);
    }
    return { id, csrfToken: session.csrfToken, user };
  }

  async destroy(tx: DbOrTx, sessionId: string): Promise<void> {
    await repo.deleteSession(tx, sessionId);
  }

  async destroyAllForUser(tx: DbOrTx, userId: string): Promise<number> {
    return repo.deleteSessionsOfUser(tx, userId);
  }

  async purgeExpired(): Promise<number> {
    return repo.deleteExpiredSessions(this.db, this.clock.now());
  }

  static idFromToken(token: string): string {
    return sha256Hex(token);
  }
}
