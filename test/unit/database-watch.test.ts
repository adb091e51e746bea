// The database watch (src/modules/alerts/database-watch.ts): the one alert the evaluator cannot
// raise, since with the database gone no job runs. Driven here with a ping that fails on demand.
import { describe, expect, it } from 'vitest';
import { DatabaseWatch } from '../../src/modules/alerts/database-watch.ts';

function aWatch(options: { notifyWorks?: boolean; recordWorks?: boolean } = {}) {
  let now = new Date('2026-12-01T10:00:00Z');
  let up = true;
  const notified: { kind: string; summary: string }[] = [];
  const recorded: { kind: string; summary: string; notified: boolean }[] = [];
  const watch = new DatabaseWatch({
    thresholdMs: 30_000,
    now: () => now,
    ping: async () => {
      if (!up) throw new Error('ECONNREFUSED');
    },
    notify: async (kind, summary) => {
      notified.push({ kind, summary });
      return options.notifyWorks ?? true;
    },
    record: async (kind, summary, _at, wasNotified) => {
      if (options.recordWorks === false) throw new Error('still down');
      recorded.push({ kind, summary, notified: wasNotified });
    },
  });
  return {
    watch,
    notified,
    recorded,
    advance: (s: number) => (now = new Date(now.getTime() + s * 1000)),
    setUp: (v: boolean) => (up = v),
  };
}

describe('the database watch', () => {
  it('when the database answers, then nobody is told anything', async () => {
    const w = aWatch();
    await w.watch.check();
    w.advance(60);
    await w.watch.check();
    expect(w.notified).toEqual([]);
    expect(w.recorded).toEqual([]);
  });

  it('when the database is gone for less than the threshold, then nobody is told', async () => {
    const w = aWatch();
    w.setUp(false);
    await w.watch.check();
    w.advance(29);
    await w.watch.check();
    w.setUp(true);
    w.advance(5);
    await w.watch.check();
    expect(w.notified).toEqual([]);
    expect(w.recorded).toEqual([]);
  });

  it('when it stays gone past the threshold, then people are told once, and once more when it is back, and both are recorded', async () => {
    const w = aWatch();
    w.setUp(false);
    await w.watch.check();
    w.advance(30);
    await w.watch.check();
    w.advance(10);
    await w.watch.check();
    expect(w.notified).toEqual([
      { kind: 'firing', summary: 'the database has not answered for 30 s' },
    ]);
    w.setUp(true);
    w.advance(20);
    await w.watch.check();
    expect(w.notified.map((n) => n.kind)).toEqual(['firing', 'resolved']);
    expect(w.notified[1]!.summary).toBe('the database answers again after 60 s');
    expect(w.recorded).toEqual([
      { kind: 'firing', summary: 'the database has not answered for 30 s', notified: true },
      { kind: 'resolved', summary: 'the database answers again after 60 s', notified: true },
    ]);
  });

  it('when nobody could be told it fired, then nobody is told it resolved, and the history says so', async () => {
    const w = aWatch({ notifyWorks: false });
    w.setUp(false);
    await w.watch.check();
    w.advance(31);
    await w.watch.check();
    w.setUp(true);
    await w.watch.check();
    expect(w.notified.map((n) => n.kind)).toEqual(['firing']);
    expect(w.recorded.map((r) => r.notified)).toEqual([false, false]);
  });

  it('when recording fails because the database went again, then the next outage is watched afresh', async () => {
    const w = aWatch({ recordWorks: false });
    w.setUp(false);
    await w.watch.check();
    w.advance(31);
    await w.watch.check();
    w.setUp(true);
    await w.watch.check();
    w.setUp(false);
    w.advance(1);
    await w.watch.check();
    w.advance(31);
    await w.watch.check();
    expect(w.notified.map((n) => n.kind)).toEqual(['firing', 'resolved', 'firing']);
  });
});
