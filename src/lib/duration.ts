// Retention periods and similar settings are written as a whole number and one unit: `90s`,
// `15m`, `24h`, `30d`. One unit only and no fractions, so a value reads the same to a person and
// to the code; seconds exist for tests, days for everyone else.
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const PATTERN = /^(\d{1,6})([smhd])$/;

/** Milliseconds for `90s`, `15m`, `24h` or `30d`; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

const NAMES: Array<[Unit, string]> = [
  ['d', 'day'],
  ['h', 'hour'],
  ['m', 'minute'],
  ['s', 'second'],
];

/** A period in words, in the largest unit that divides it: "30 days", "24 hours", "1 minute". */
export function describeDuration(ms: number): string {
  if (ms === 0) return '0 seconds';
  for (const [unit, name] of NAMES) {
    if (ms % UNIT_MS[unit] === 0) {
      const n = ms / UNIT_MS[unit];
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} milliseconds`;
}
