// Resolved sessions kept briefly in memory, so a signed-in request does not read its session,
// user and second factor from PostgreSQL every time (ADR 029).
//
// Correctness rests on one revocation counter, not on the entries' lifetime: every change that
// can alter what a session resolves to (a session ended, a password changed, a second factor
// confirmed or reset, an account erased) bumps it after its transaction commits, and an entry is
// used only while the counter still has the value read *before* the entry's database read. With
// Redis (REDIS_URL) the counter lives there, so a revocation on one instance is seen by the next
// request on every other instance — a cache hit costs one Redis GET instead of a PostgreSQL
// join. Without Redis there is no cache: nothing would tell this process of a revocation made by
// another instance or by a maintenance command (admin:reset-mfa), so the database decides every
// time, as it does whenever Redis does not answer.
import type { Redis } from 'ioredis';
import type { Clock } from '../../lib/clock.ts';

/**
 * How long an entry may serve at most. Revocation does not wait for it; it bounds how stale a
 * user's name or email in an entry can be, and what a revocation lost with its process (between
 * the commit and the counter's bump) can let through.
 */
export const SESSION_CACHE_TTL_MS = 10_000;
/** The revocation counter's Redis key (every instance of a deployment shares it). */
export const SESSION_EPOCH_KEY = 'paydeck:sessions:epoch';
/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  epoch: string;
  storedAt: number;
}

/** A ticket taken before reading a session from the database: what the counter said then. */
export interface CacheTicket {
  epoch: string | null;
}

export class SessionCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly redis: Redis | undefined,
    private readonly epochKey = SESSION_EPOCH_KEY,
  ) {}

  /** The counter now; null without Redis or when it does not answer (nothing is cached then). */
  async ticket(): Promise<CacheTicket> {
    return { epoch: await this.epoch() };
  }

  /** The entry for a session id, if it is young enough and nothing was revoked since its read. */
  async get(id: string): Promise<T | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (this.clock.now().getTime() - entry.storedAt >= SESSION_CACHE_TTL_MS) {
      this.entries.delete(id);
      return undefined;
    }
    const epoch = await this.epoch();
    if (epoch !== entry.epoch) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps what the database said for a session, read after `ticket` was taken. */
  set(id: string, value: T, ticket: CacheTicket): void {
    if (ticket.epoch === null) return;
    this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { value, epoch: ticket.epoch, storedAt: this.clock.now().getTime() });
  }

  /** Replaces a cached value in place (the session was touched), keeping its ticket and age. */
  update(id: string, value: T): void {
    const entry = this.entries.get(id);
    if (entry) entry.value = value;
  }

  /** Drops one entry of this instance (the session was found expired). */
  forget(id: string): void {
    this.entries.delete(id);
  }

  /**
   * Something a cached session resolves to changed: called after the change committed. Every
   * entry on every instance stops serving. A failure to reach Redis is reported to the caller's
   * log by throwing; the local entries are dropped first either way.
   */
  async revoke(): Promise<void> {
    this.entries.clear();
    if (this.redis) await this.redis.incr(this.epochKey);
  }

  private async epoch(): Promise<string | null> {
    if (!this.redis) return null;
    try {
      return (await this.redis.get(this.epochKey)) ?? '0';
    } catch {
      return null;
    }
  }
}
