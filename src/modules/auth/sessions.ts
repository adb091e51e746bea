// Server-side sessions. The browser holds a random token in an HttpOnly cookie; the database
// holds only its SHA-256, the CSRF token, and two deadlines: idle (extended on use) and
// absolute (fixed at sign-in).
import type { Db, DbOrTx, Tx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import * as repo from './repository.ts';
import { SessionCache } from './session-cache.ts';

/**
 * A sign-in waiting for its second factor lives this long (ADR 023): long enough to open an
 * authenticator app, short enough that a stolen password alone is worth little.
 */
export const SECOND_FACTOR_WINDOW_MS = 5 * 60_000;

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
  /** The password was right; the second factor is still to come. Opens no route but that step. */
  secondFactorPending: boolean;
  /** The user has a confirmed second factor. */
  secondFactorEnrolled: boolean;
  /**
   * Opened from a signed checkout link, not by a password (ADR 030): opens only routes that
   * declare `checkoutLink`, and of those taking an order id, only this order's.
   */
  checkoutOrderId: string | null;
}

/** A resolved session as the cache keeps it: with the deadlines its use is checked against. */
interface CachedSession {
  resolved: ResolvedSession;
  lastSeenAt: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly timeouts: SessionTimeouts,
    /** Resolved sessions kept briefly (ADR 029); in this process only unless given one on Redis. */
    private readonly cache = new SessionCache<CachedSession>(clock, undefined),
  ) {}

  /** Creates a session and returns the cookie token (shown once, never stored). */
  async create(
    tx: DbOrTx,
    userId: string,
    meta: { ip: string | null; userAgent: string | null },
    options: { secondFactorPending?: boolean; checkoutOrderId?: string } = {},
  ): Promise<{ token: string; csrfToken: string }> {
    const token = randomToken(32);
    const csrfToken = randomToken(32);
    const now = this.clock.now();
    const pending = options.secondFactorPending === true;
    const idleMs = pending ? SECOND_FACTOR_WINDOW_MS : this.timeouts.idleTimeoutMs;
    const absoluteMs = pending ? SECOND_FACTOR_WINDOW_MS : this.timeouts.absoluteTimeoutMs;
    await repo.insertSession(tx, {
      id: sha256Hex(token),
      userId,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: new Date(now.getTime() + idleMs),
      absoluteExpiresAt: new Date(now.getTime() + absoluteMs),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      secondFactorPending: pending,
      checkoutOrderId: options.checkoutOrderId ?? null,
    });
    return { token, csrfToken };
  }

  /** The live session for a cookie token, or undefined if unknown or expired. */
  async resolve(token: string): Promise<ResolvedSession | undefined> {
    const id = sha256Hex(token);
    const cached = await this.cache.get(id);
    if (cached) {
      const now = this.clock.now();
      // Past a deadline here: the database decides (another instance may have extended it).
      if (cached.idleExpiresAt > now && cached.absoluteExpiresAt > now) {
        if (now.getTime() - cached.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
          const idle = await this.touch(id, now, cached.absoluteExpiresAt);
          this.cache.update(id, { ...cached, lastSeenAt: now, idleExpiresAt: idle });
        }
        return cached.resolved;
      }
      this.cache.forget(id);
    }
    // Taken before the read: a revocation committed after it keeps this read out of the cache.
    const ticket = await this.cache.ticket();
    const found = await repo.findSessionWithUser(this.db, id);
    if (!found) return undefined;
    const now = this.clock.now();
    const { session, user, totpConfirmedAt } = found;
    if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now) {
      await repo.deleteSession(this.db, id);
      return undefined;
    }
    let { lastSeenAt, idleExpiresAt } = session;
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      idleExpiresAt = await this.touch(id, now, session.absoluteExpiresAt);
      lastSeenAt = now;
    }
    const resolved = {
      id,
      csrfToken: session.csrfToken,
      user,
      secondFactorPending: session.secondFactorPending,
      secondFactorEnrolled: totpConfirmedAt !== null,
      checkoutOrderId: session.checkoutOrderId,
    };
    this.cache.set(
      id,
      { resolved, lastSeenAt, idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt },
      ticket,
    );
    return resolved;
  }

  /**
   * Sessions, users or second factors changed (a session ended, a password changed, a second
   * factor was confirmed or removed, an account erased): no cached session may serve any more,
   * on any instance. Called after the change committed; never throws (the change is made, and
   * cached entries expire within SESSION_CACHE_TTL_MS in any case).
   */
  async changed(): Promise<void> {
    try {
      await this.cache.revoke();
    } catch {
      // Redis did not take it: the entries elsewhere end with their lifetime.
    }
  }

  /**
   * Runs a transaction that changes sessions, users or second factors, then revokes the cached
   * sessions (`changed`) once it committed.
   */
  async changing<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(work);
    await this.changed();
    return result;
  }

  /**
   * Runs `work` (which creates a session) in a transaction that first ends the caller's previous
   * session, if any: signing in over a session rotates its id. Ending one is a change that cached
   * copies must learn of, so it goes through `changing`.
   */
  async replacing<T>(previousId: string | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
    if (!previousId) return this.db.transaction(work);
    return this.changing(async (tx) => {
      await this.destroy(tx, previousId);
      return work(tx);
    });
  }

  /** Extends the idle deadline (never past the absolute one); the new idle deadline. */
  private async touch(id: string, now: Date, absoluteExpiresAt: Date): Promise<Date> {
    const idle = new Date(
      Math.min(now.getTime() + this.timeouts.idleTimeoutMs, absoluteExpiresAt.getTime()),
    );
    await repo.touchSession(this.db, id, now, idle);
    return idle;
  }

  async destroy(tx: DbOrTx, sessionId: string): Promise<void> {
    await repo.deleteSession(tx, sessionId);
  }

  async destroyAllForUser(tx: DbOrTx, userId: string): Promise<number> {
    return repo.deleteSessionsOfUser(tx, userId);
  }

  /** Deletes up to `limit` sessions that expired before `before` (default now); how many. */
  async purgeExpired(before: Date = this.clock.now(), limit = 10_000): Promise<number> {
    return repo.deleteExpiredSessions(this.db, before, limit);
  }

  /** How many sessions expired before `before` (the retention dry run). */
  countExpired(before: Date): Promise<number> {
    return repo.countExpiredSessions(this.db, before);
  }

  static idFromToken(token: string): string {
    return sha256Hex(token);
  }
}
