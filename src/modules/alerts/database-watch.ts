// The one rule the evaluator cannot check: with the database gone, no job runs and no outbox can
// be written. Each working process pings the database itself; after `thresholdMs` without an
// answer it tells people directly (SMTP and the chat webhook; the local catcher lives in the
// database, so it cannot), and once the database answers again it tells them it resolved and
// records both transitions in the rule's history and the audit log. Several working instances
// each send their own message: during an outage, a duplicate is better than silence.
export interface DatabaseWatchDeps {
  ping(): Promise<void>;
  now(): Date;
  /** Sends to every channel that works without the database; must not throw. */
  notify(kind: 'firing' | 'resolved', summary: string, at: Date): Promise<boolean>;
  /** Writes the history once the database is back. */
  record(kind: 'firing' | 'resolved', summary: string, at: Date, notified: boolean): Promise<void>;
  thresholdMs: number;
}

export class DatabaseWatch {
  private downSince: Date | undefined;
  private fired: { at: Date; summary: string; notified: boolean } | undefined;

  constructor(private readonly deps: DatabaseWatchDeps) {}

  /** One ping; call it every few seconds. */
  async check(): Promise<void> {
    const now = this.deps.now();
    let reachable = true;
    try {
      await this.deps.ping();
    } catch {
      reachable = false;
    }
    if (!reachable) {
      this.downSince ??= now;
      if (!this.fired && now.getTime() - this.downSince.getTime() >= this.deps.thresholdMs) {
        const seconds = Math.round((now.getTime() - this.downSince.getTime()) / 1000);
        const summary = `the database has not answered for ${seconds} s`;
        const notified = await this.deps.notify('firing', summary, now);
        this.fired = { at: now, summary, notified };
      }
      return;
    }
    const fired = this.fired;
    const downSince = this.downSince;
    this.downSince = undefined;
    this.fired = undefined;
    if (!fired || !downSince) return;
    const seconds = Math.round((now.getTime() - downSince.getTime()) / 1000);
    const summary = `the database answers again after ${seconds} s`;
    const notified = fired.notified && (await this.deps.notify('resolved', summary, now));
    try {
      await this.deps.record('firing', fired.summary, fired.at, fired.notified);
      await this.deps.record('resolved', summary, now, notified);
    } catch {
      // Gone again: the next outage is watched afresh; this one stays only in the logs.
    }
  }
}
