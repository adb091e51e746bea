// Time travel in simulated mode (issue 15, item 4; ADR 031): Paydeck's clock and the simulator's
// move forward together, like a Stripe test clock, so retries, reminders, link expiry and webhook
// retry schedules can be watched without waiting. Every instance and worker reads the same offset
// from the database; jobs pg-boss holds for a later time are brought forward by the same amount.
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { OffsetClock } from '../../lib/clock.ts';
import { conflict } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import * as repo from './repository.ts';

export interface TestClockStatus {
  available: boolean;
  now: string;
  offset_seconds: number;
}

export class TestClock {
  constructor(
    private readonly deps: {
      db: Db;
      logger: Logger;
      /** Undefined outside simulated mode: there is no clock to move at Stripe. */
      clock: OffsetClock | undefined;
      /** The simulator's base URL (its control API moves its clock). */
      simulatorUrl: string | undefined;
    },
  ) {}

  get available(): boolean {
    return this.deps.clock !== undefined;
  }

  status(): TestClockStatus {
    const { clock } = this.deps;
    return {
      available: this.available,
      now: (clock?.now() ?? new Date()).toISOString(),
      offset_seconds: Math.round((clock?.offsetMs ?? 0) / 1000),
    };
  }

  /** Reads the shared offset (at start-up, then every few seconds: another instance may move it). */
  async refresh(): Promise<void> {
    const { clock, db } = this.deps;
    if (clock) clock.setOffset(await repo.readOffset(db));
  }

  async advance(seconds: number, actor: Actor) {
    const { clock, db, logger } = this.deps;
    if (!clock) {
      throw conflict(
        'test_clock_unavailable',
        'Time travel exists only with the Stripe simulator (STRIPE_SIMULATED): real Stripe keeps real time.',
      );
    }
    const ms = seconds * 1000;
    const { offsetMs, jobsMoved } = await db.transaction(async (tx) => {
      const offset = await repo.addOffset(tx, ms, new Date());
      const moved = await repo.shiftWaitingJobs(tx, ms);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'test_clock.advanced',
        targetType: 'test_clock',
        targetId: 'simulated',
        after: { seconds, offset_seconds: offset / 1000, jobs_moved: moved },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: new Date(),
      });
      return { offsetMs: offset, jobsMoved: moved };
    });
    clock.setOffset(offsetMs);
    const simulator = await this.advanceSimulator(seconds).catch((err: unknown) => {
      logger.warn({ err }, 'the simulator did not move its clock');
      return 'unreachable' as const;
    });
    return { ...this.status(), jobs_moved: jobsMoved, simulator };
  }

  private async advanceSimulator(seconds: number): Promise<'advanced' | 'unreachable'> {
    const { simulatorUrl } = this.deps;
    if (!simulatorUrl) return 'unreachable';
    const res = await fetch(new URL('/_sim/clock/advance', simulatorUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds }),
      signal: AbortSignal.timeout(5_000),
    });
    return res.ok ? 'advanced' : 'unreachable';
  }
}
