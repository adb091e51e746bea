// PCI DSS SAQ-A evidence: finds anything that looks like a primary account number (PAN) in text
// our server saw — request URLs, headers and bodies, its logs, a dump of its database.
//
// A PAN is 13–19 digits that pass the Luhn check. People and forms write them in groups
// ("4242 4242 4242 4242", "3782-822463-10005", "4242+4242…" or "4242%204242…" once form-encoded),
// so digit groups joined by one such separator are read together, and every run of whole
// consecutive groups of 13–19 digits is checked (so "4242 4242 4242 4242 12 34" with the expiry
// behind it is still found).
//
// Three rules keep ordinary data from tripping it — one Luhn-valid number in ten would otherwise:
// - a number is checked as a whole: digits glued to more digits (a 20-digit id, a hash) are not
//   cut into windows; and within a grouped number, groups longer than 6 digits only count on
//   their own (UUIDs are 8-4-4-4-12 hex groups; card groups are 3–6 digits);
// - the first digit must be one card networks issue (2–6: Mastercard 2/5, Amex/JCB/Diners 3,
//   Visa 4, Discover/UnionPay 6), which excludes epoch timestamps (1…) and zero-padded counters;
// - the digits must stand on their own, not glued into a larger token such as a UUID.

const SEPARATORS = [' ', '-', '+', '%20'] as const;
const MAX_GROUP_IN_GROUPED_NUMBER = 6;

export interface CardNumberHit {
  /** The digits, separators removed. */
  digits: string;
  /** As it appeared in the text. */
  match: string;
  /** Offset of the match in the text. */
  index: number;
}

/** Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function looksLikePan(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits);
}

const isDigit = (text: string, index: number) => {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
};

function separatorAt(text: string, index: number): number {
  for (const separator of SEPARATORS)
    if (text.startsWith(separator, index)) return separator.length;
  return 0;
}

interface Group {
  start: number;
  end: number;
}

/** Every Luhn-valid 13–19 digit card number in the text, plain or grouped. */
export function findCardNumbers(text: string): CardNumberHit[] {
  const hits: CardNumberHit[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text, i)) {
      i += 1;
      continue;
    }
    // One maximal chain of digit groups joined by single separators.
    const groups: Group[] = [];
    let cursor = i;
    for (;;) {
      const start = cursor;
      while (cursor < text.length && isDigit(text, cursor)) cursor += 1;
      groups.push({ start, end: cursor });
      const separator = separatorAt(text, cursor);
      if (separator === 0 || !isDigit(text, cursor + separator)) break;
      cursor += separator;
    }
    if (!gluedIntoToken(text, i, groups.at(-1)!.end)) collect(text, groups, hits);
    i = cursor;
  }
  return hits;
}

const isAlphanumeric = (text: string, index: number) =>
  index >= 0 && index < text.length && /[0-9A-Za-z]/.test(text[index]!);

/**
 * Digits that are part of a larger token — a UUID's all-digit groups ("…c3d4-6657-8029-9927-7e4f…"),
 * an identifier like "pi_3Abc12…" — are not a card number written down: the chain must stand
 * on its own (bounded by anything but a letter or digit, or a dash joined to one).
 */
function gluedIntoToken(text: string, start: number, end: number): boolean {
  const before =
    isAlphanumeric(text, start - 1) || (text[start - 1] === '-' && isAlphanumeric(text, start - 2));
  const after = isAlphanumeric(text, end) || (text[end] === '-' && isAlphanumeric(text, end + 1));
  return before || after;
}

function collect(text: string, groups: Group[], hits: CardNumberHit[]): void {
  let coveredUntil = -1;
  for (let first = 0; first < groups.length; first += 1) {
    if (groups[first]!.start < coveredUntil) continue;
    let digits = '';
    for (let last = first; last < groups.length; last += 1) {
      const group = groups[last]!;
      const long = group.end - group.start > MAX_GROUP_IN_GROUPED_NUMBER;
      // A long group is a number of its own: checked alone, it never joins its neighbours.
      if (long && last > first) break;
      digits += text.slice(group.start, group.end);
      if (digits.length > 19) break;
      if (looksLikePan(digits)) {
        const start = groups[first]!.start;
        hits.push({ digits, match: text.slice(start, group.end), index: start });
        coveredUntil = group.end;
        break;
      }
      if (long) break;
    }
  }
}
