// Every transition of one alert rule (src/modules/alerts/state-machine.ts): who is told, when.
import { describe, expect, it } from 'vitest';
import { decide, initialState, type RuleState } from '../../src/modules/alerts/state-machine.ts';

const t0 = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const HOUR = 3_600_000;
const state = (s: Partial<RuleState>): RuleState => ({ ...initialState(t0), ...s });

describe('an alert rule over successive evaluations', () => {
  it('when an ok rule is not breached, then nothing changes and nobody is told', () => {
    const d = decide(state({}), false, { forMinutes: 0 }, at(1), HOUR);
    expect(d).toEqual({ next: state({}), notify: false });
  });

  it('when an ok rule without a waiting time is breached, then it fires at once and people are told', () => {
    const d = decide(state({}), true, { forMinutes: 0 }, at(1), HOUR);
    expect(d.transition).toBe('firing');
    expect(d.notify).toBe(true);
    expect(d.next).toMatchObject({ state: 'firing', since: at(1), notifiedAt: at(1) });
  });

  it('when a rule with a waiting time is breached, then it is pending and nobody is told until the time has passed', () => {
    const rule = { forMinutes: 5 };
    const first = decide(state({}), true, rule, at(0), HOUR);
    expect(first).toMatchObject({
      transition: 'pending',
      notify: false,
      next: { state: 'pending', since: at(0) },
    });
    const early = decide(first.next, true, rule, at(4), HOUR);
    expect(early).toEqual({ next: first.next, notify: false });
    const late = decide(first.next, true, rule, at(5), HOUR);
    expect(late).toMatchObject({
      transition: 'firing',
      notify: true,
      next: { state: 'firing', since: at(5) },
    });
  });

  it('when a pending rule clears before its time, then it goes back to ok without telling anyone', () => {
    const d = decide(
      state({ state: 'pending', since: at(0) }),
      false,
      { forMinutes: 5 },
      at(2),
      HOUR,
    );
    expect(d).toMatchObject({
      transition: 'resolved',
      notify: false,
      next: { state: 'ok', since: at(2) },
    });
  });

  it('when a firing rule stays breached, then nobody is told again until the reminder interval has passed', () => {
    const firing = state({ state: 'firing', since: at(0), notifiedAt: at(0) });
    expect(decide(firing, true, { forMinutes: 0 }, at(59), HOUR)).toEqual({
      next: firing,
      notify: false,
    });
    const reminder = decide(firing, true, { forMinutes: 0 }, at(60), HOUR);
    expect(reminder).toMatchObject({
      transition: 'reminder',
      notify: true,
      next: { notifiedAt: at(60), state: 'firing' },
    });
  });

  it('when a firing rule was acknowledged, then no reminder is sent', () => {
    const acked = state({
      state: 'firing',
      since: at(0),
      notifiedAt: at(0),
      acknowledgedAt: at(1),
    });
    expect(decide(acked, true, { forMinutes: 0 }, at(120), HOUR)).toEqual({
      next: acked,
      notify: false,
    });
  });

  it('when a firing rule clears, then it resolves, people are told once, and the acknowledgement is cleared', () => {
    const acked = state({
      state: 'firing',
      since: at(0),
      notifiedAt: at(0),
      acknowledgedAt: at(1),
    });
    const d = decide(acked, false, { forMinutes: 0 }, at(10), HOUR);
    expect(d).toMatchObject({
      transition: 'resolved',
      notify: true,
      next: { state: 'ok', since: at(10), acknowledgedAt: null },
    });
  });

  it('when a rule fires while silenced, then nobody is told, and after the silence a reminder goes out', () => {
    const silenced = state({ silencedUntil: at(30) });
    const fired = decide(silenced, true, { forMinutes: 0 }, at(1), HOUR);
    expect(fired).toMatchObject({
      transition: 'firing',
      notify: false,
      next: { state: 'firing', notifiedAt: null },
    });
    expect(decide(fired.next, true, { forMinutes: 0 }, at(20), HOUR).notify).toBe(false);
    const after = decide(fired.next, true, { forMinutes: 0 }, at(31), HOUR);
    expect(after).toMatchObject({ transition: 'reminder', notify: true });
  });

  it('when a rule nobody was told about resolves, then nobody is told it resolved', () => {
    const unseen = state({ state: 'firing', since: at(0), notifiedAt: null, silencedUntil: at(5) });
    const d = decide(unseen, false, { forMinutes: 0 }, at(10), HOUR);
    expect(d).toMatchObject({ transition: 'resolved', notify: false });
  });

  it('when a rule resolves during a silence, then nobody is told', () => {
    const firing = state({
      state: 'firing',
      since: at(0),
      notifiedAt: at(0),
      silencedUntil: at(30),
    });
    expect(decide(firing, false, { forMinutes: 0 }, at(10), HOUR)).toMatchObject({
      transition: 'resolved',
      notify: false,
    });
  });
});
