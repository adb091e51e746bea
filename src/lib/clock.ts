// Code that depends on time takes a Clock, so sessions, retention and retries can be tested
// without sleeping.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move by hand. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
}

/**
 * A clock running ahead of another by an offset: time travel in simulated mode (ADR 031). The
 * offset is shared by every process through the database (modules/test-clock); this only holds
 * the value last read.
 */
export class OffsetClock implements Clock {
  private offset = 0;
  /** The clock it runs ahead of: the machine's, for what must not travel (sessions). */
  constructor(readonly base: Clock = systemClock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }
  get offsetMs(): number {
    return this.offset;
  }
  /**
   * Takes the shared offset. Never backwards: travel only goes forward, and a read that started
   * before a move committed may finish after it.
   */
  setOffset(ms: number): void {
    this.offset = Math.max(this.offset, ms);
  }
}

/**
 * The machine's time behind a clock that may travel: for what must not move with it — sign-ins,
 * their second factor and their purge (ADR 031).
 */
export function machineClock(clock: Clock): Clock {
  return clock instanceof OffsetClock ? clock.base : clock;
}
