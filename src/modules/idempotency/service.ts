// Idempotency-Key records as data to be kept and removed (retention, ADR 024; account deletion,
// ADR 025). Claiming, replaying
// and settling keys is the plugin's work (plugin.ts).
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import * as repo from './repository.ts';

export class IdempotencyRecords {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** How long a key is honoured (IDEMPOTENCY_RETENTION_MS): expires_at is created_at + this. */
    private readonly keyLifetimeMs: number,
  ) {}

  /** Completed records (with their stored answers) created before `before`. */
  countCompletedBefore(before: Date): Promise<number> {
    return repo.countCompletedBefore(this.db, before, this.keyLifetimeMs);
  }

  /** Deletes up to `limit` of them; returns how many. */
  deleteCompletedBefore(before: Date, limit: number): Promise<number> {
    return repo.deleteCompletedBefore(this.db, before, this.keyLifetimeMs, limit);
  }

  /**
   * Account deletion, inside its transaction: every key the user made, answers included (order
   * views that may show their name and email). The scope is the one the access plugin gives a
   * session (`user:<id>`, src/server/plugins/access.ts).
   */
  forgetUser(tx: DbOrTx, userId: string): Promise<number> {
    return repo.deleteScope(tx, `user:${userId}`);
  }

  /** Deletes up to `limit` claims whose request died and whose key has expired. */
  deleteAbandoned(limit: number): Promise<number> {
    return repo.deleteAbandoned(this.db, this.clock.now(), limit);
  }
}
