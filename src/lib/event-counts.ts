// Events counted in memory per minute, for what leaves no row of its own (a webhook refused for
// its signature is never stored). The alerts component adds them to event_count_minutes every few
// seconds, so the alert rules see every instance's counts; the request path only bumps a number.

/** The names counted, as stored in event_count_minutes. */
export const countedEventNames = { webhookBadSignature: 'webhook_bad_signature' } as const;
export type CountedEventName = (typeof countedEventNames)[keyof typeof countedEventNames];

export interface MinuteCount {
  name: string;
  minute: Date;
  count: number;
}

/** At most this many minutes are kept while the database is unreachable; older ones are dropped. */
const MAX_PENDING_KEYS = 10_000;

const pending = new Map<string, number>();

const keyOf = (name: string, minuteMs: number) => `${name}|${minuteMs}`;

export function countEvent(name: CountedEventName, at: Date = new Date()): void {
  const minuteMs = Math.floor(at.getTime() / 60_000) * 60_000;
  const key = keyOf(name, minuteMs);
  if (!pending.has(key) && pending.size >= MAX_PENDING_KEYS) return;
  pending.set(key, (pending.get(key) ?? 0) + 1);
}

/** Everything counted since the last take, emptied; give it back with `restoreCounts` on failure. */
export function takeCounts(): MinuteCount[] {
  const counts = [...pending].map(([key, count]) => {
    const [name, minuteMs] = key.split('|') as [string, string];
    return { name, minute: new Date(Number(minuteMs)), count };
  });
  pending.clear();
  return counts;
}

export function restoreCounts(counts: MinuteCount[]): void {
  for (const c of counts) {
    const key = keyOf(c.name, c.minute.getTime());
    if (!pending.has(key) && pending.size >= MAX_PENDING_KEYS) continue;
    pending.set(key, (pending.get(key) ?? 0) + c.count);
  }
}
