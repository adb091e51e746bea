// Users' email and name at rest (ADR 027): encrypted, and found through keyed blind indexes —
// the email's (sign-in, uniqueness, exact search) and one per word of the name (the console's
// search). The auth and customers repositories both read users; they seal and open through here.
import { and, arrayOverlaps, inArray, type SQL } from 'drizzle-orm';
import { blindIndex, blindIndexes, open, seal } from '../lib/personal-data.ts';
import { users } from './schema.ts';

export const USER_EMAIL = 'users.email';
export const USER_NAME = 'users.name';

/** Lower-cased and trimmed: the form an email is stored, indexed and looked up in. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The words of a name as its index holds them: lower-cased letters and digits, each once. */
export function nameWords(name: string): string[] {
  return [
    ...new Set(
      name
        .normalize('NFKC')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean),
    ),
  ];
}

/** The columns to write for a user's email and name: ciphertexts and their indexes. */
export function sealedIdentity(identity: { email: string; name: string }) {
  const email = normaliseEmail(identity.email);
  return {
    email: seal(email, USER_EMAIL),
    emailIndex: blindIndex(email, USER_EMAIL),
    name: seal(identity.name, USER_NAME),
    nameIndex: nameWords(identity.name).map((w) => blindIndex(w, USER_NAME)),
  };
}

/** A users row as read, with its email and name opened. */
export function openUser<T extends { email: string; name: string }>(row: T): T {
  return { ...row, email: open(row.email, USER_EMAIL), name: open(row.name, USER_NAME) };
}

/** Matches the user with this email (under any key of the ring, mid-rotation). */
export function emailIs(email: string): SQL {
  return inArray(users.emailIndex, blindIndexes(normaliseEmail(email), USER_EMAIL));
}

/** Matches users whose name has every word of `text`; undefined when `text` has no word. */
export function nameHasWords(text: string): SQL | undefined {
  const words = nameWords(text);
  if (!words.length) return undefined;
  return and(...words.map((w) => arrayOverlaps(users.nameIndex, blindIndexes(w, USER_NAME))));
}
