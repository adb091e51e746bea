// What one evaluation does to one rule: pure, so every transition is tested on its own
// (test/unit/alert-state-machine.test.ts).
//
//   ok ──breached──▶ pending ──still breached for `forMinutes`──▶ firing ──clear──▶ ok
//    └──breached, forMinutes = 0─────────────────────────────────────▲   (resolved)
//   pending ──clear──▶ ok (resolved, nobody was told)
//
// A person is told once when a rule starts firing and once when it resolves; while it keeps
// firing, again only after `reminderMs` and only if nobody acknowledged it. A silence holds every
// notification back until it ends; the states and the history still move.

export type AlertStateName = 'ok' | 'pending' | 'firing';
export type TransitionKind = 'pending' | 'firing' | 'resolved' | 'reminder';

export interface RuleState {
  state: AlertStateName;
  since: Date;
  notifiedAt: Date | null;
  acknowledgedAt: Date | null;
  silencedUntil: Date | null;
}

export interface Decision {
  next: RuleState;
  /** A change worth recording (the history and the audit log); none when nothing changed. */
  transition?: TransitionKind;
  /** Whether people are told of that transition. */
  notify: boolean;
}

export const initialState = (now: Date): RuleState => ({
  state: 'ok',
  since: now,
  notifiedAt: null,
  acknowledgedAt: null,
  silencedUntil: null,
});

export function decide(
  current: RuleState,
  breached: boolean,
  rule: { forMinutes: number },
  now: Date,
  reminderMs: number,
): Decision {
  const silenced = current.silencedUntil !== null && current.silencedUntil > now;
  switch (current.state) {
    case 'ok': {
      if (!breached) return { next: current, notify: false };
      if (rule.forMinutes > 0) {
        return {
          next: { ...current, state: 'pending', since: now },
          transition: 'pending',
          notify: false,
        };
      }
      return fire(current, now, silenced);
    }
    case 'pending': {
      if (!breached) {
        return {
          next: { ...current, state: 'ok', since: now },
          transition: 'resolved',
          notify: false,
        };
      }
      if (now.getTime() - current.since.getTime() >= rule.forMinutes * 60_000) {
        return fire(current, now, silenced);
      }
      return { next: current, notify: false };
    }
    case 'firing': {
      if (!breached) {
        // Told it fired: told it resolved (unless silenced now). Never told: nothing to close.
        const notify = current.notifiedAt !== null && !silenced;
        return {
          next: {
            ...current,
            state: 'ok',
            since: now,
            notifiedAt: notify ? now : current.notifiedAt,
            acknowledgedAt: null,
          },
          transition: 'resolved',
          notify,
        };
      }
      const due =
        current.notifiedAt === null || now.getTime() - current.notifiedAt.getTime() >= reminderMs;
      if (due && !silenced && current.acknowledgedAt === null) {
        return { next: { ...current, notifiedAt: now }, transition: 'reminder', notify: true };
      }
      return { next: current, notify: false };
    }
  }
}

function fire(current: RuleState, now: Date, silenced: boolean): Decision {
  return {
    next: {
      ...current,
      state: 'firing',
      since: now,
      notifiedAt: silenced ? null : now,
      acknowledgedAt: null,
    },
    transition: 'firing',
    notify: !silenced,
  };
}
