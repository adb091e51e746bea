// The local catcher's messages (caught_mail).
import { and, asc, count, desc, inArray, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { caughtMail } from '../../db/schema.ts';
import { open, seal } from '../../lib/personal-data.ts';

export type CaughtMailRow = typeof caughtMail.$inferSelect;

// Recipients and the message are encrypted at rest (ADR 027); the subject is ours, not theirs.
const TO = 'caught_mail.to_addresses';
const TEXT = 'caught_mail.text';
const HTML = 'caught_mail.html';

export async function insertCaughtMail(
  db: Db,
  message: { from: string; to: string; subject: string; text: string; html: string | null },
): Promise<void> {
  await db.insert(caughtMail).values({
    fromAddress: message.from,
    toAddresses: seal(message.to, TO),
    subject: message.subject,
    text: seal(message.text, TEXT),
    html: seal(message.html, HTML),
  });
}

/** Newest first, keyset by id. */
export async function listCaughtMail(
  db: Db,
  page: { limit: number; startingAfter?: number | undefined },
): Promise<{ data: CaughtMailRow[]; hasMore: boolean }> {
  const rows = await db
    .select()
    .from(caughtMail)
    .where(page.startingAfter !== undefined ? lt(caughtMail.id, page.startingAfter) : undefined)
    .orderBy(desc(caughtMail.id))
    .limit(page.limit + 1);
  const data = rows.slice(0, page.limit).map((r) => ({
    ...r,
    toAddresses: open(r.toAddresses, TO),
    text: open(r.text, TEXT),
    html: open(r.html, HTML),
  }));
  return { data, hasMore: rows.length > page.limit };
}

export async function countCaughtMailBefore(db: Db, before: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(caughtMail)
    .where(lt(caughtMail.createdAt, before));
  return row?.n ?? 0;
}

export async function deleteCaughtMailBefore(db: Db, before: Date, limit: number): Promise<number> {
  const batch = db
    .select({ id: caughtMail.id })
    .from(caughtMail)
    .where(lt(caughtMail.createdAt, before))
    .orderBy(asc(caughtMail.createdAt))
    .limit(limit);
  const rows = await db
    .delete(caughtMail)
    .where(and(inArray(caughtMail.id, batch), lt(caughtMail.createdAt, before)))
    .returning({ id: caughtMail.id });
  return rows.length;
}
