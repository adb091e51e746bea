// Data access for the audit log: the only code that reads or writes `audit_entries`.
import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { auditEntries } from '../../db/schema.ts';
import { open, seal } from '../../lib/personal-data.ts';

export type AuditRow = typeof auditEntries.$inferSelect;
export type NewAuditRow = typeof auditEntries.$inferInsert;

/** The IP is encrypted at rest (ADR 027): sealed when written, opened on every read here. */
const AUDIT_IP = 'audit_entries.ip';

function openEntries<T extends AuditRow>(rows: T[]): T[] {
  return rows.map((r) => (r.ip === null ? r : { ...r, ip: open(r.ip, AUDIT_IP) }));
}

/** A sealed entry: its place in the chain and both hashes are set. */
export type SealedAuditRow = AuditRow & { seq: number; prevHash: string; hash: string };

/** What the sealer writes onto an unsealed entry. */
export interface EntrySeal {
  id: number;
  seq: number;
  prevHash: string;
  hash: string;
}

export async function insertEntry(tx: DbOrTx, values: NewAuditRow): Promise<void> {
  await tx.insert(auditEntries).values({ ...values, ip: seal(values.ip ?? null, AUDIT_IP) });
}

/** True when this transaction now holds the sealer's lock; false when another sealer has it. */
export async function trySealerLock(tx: DbOrTx, lockId: number): Promise<boolean> {
  const result = await tx.execute<{ locked: boolean }>(
    sql`SELECT pg_try_advisory_xact_lock(${lockId}) AS locked`,
  );
  return result.rows[0]?.locked === true;
}

/** The last sealed entry's place and hash; undefined while nothing is sealed. */
export async function chainHead(tx: DbOrTx): Promise<{ seq: number; hash: string } | undefined> {
  const [head] = await tx
    .select({ seq: auditEntries.seq, hash: auditEntries.hash })
    .from(auditEntries)
    .where(isNotNull(auditEntries.seq))
    .orderBy(desc(auditEntries.seq))
    .limit(1);
  return head ? { seq: head.seq!, hash: head.hash! } : undefined;
}

/** Committed entries still waiting for their place, oldest id first. */
export async function unsealedEntries(tx: DbOrTx, limit: number): Promise<AuditRow[]> {
  return openEntries(
    await tx
      .select()
      .from(auditEntries)
      .where(isNull(auditEntries.seq))
      .orderBy(asc(auditEntries.id))
      .limit(limit),
  );
}

/** Writes the seals in one statement (the append-only trigger lets exactly this change through). */
export async function sealEntries(tx: DbOrTx, seals: EntrySeal[]): Promise<void> {
  await tx.execute(sql`
    UPDATE audit_entries AS a
       SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash
      FROM unnest(
             ${`{${seals.map((s) => s.id).join(',')}}`}::bigint[],
             ${`{${seals.map((s) => s.seq).join(',')}}`}::bigint[],
             ${`{${seals.map((s) => s.prevHash).join(',')}}`}::text[],
             ${`{${seals.map((s) => s.hash).join(',')}}`}::text[]
           ) AS s(id, seq, prev_hash, hash)
     WHERE a.id = s.id AND a.seq IS NULL`);
}

export async function countUnsealed(tx: DbOrTx): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(auditEntries).where(isNull(auditEntries.seq));
  return row?.n ?? 0;
}

/** Sealed entries after position `afterSeq`, in chain order. */
export async function sealedEntriesAfter(
  tx: DbOrTx,
  afterSeq: number,
  limit: number,
): Promise<SealedAuditRow[]> {
  return openEntries(
    (await tx
      .select()
      .from(auditEntries)
      .where(gt(auditEntries.seq, afterSeq))
      .orderBy(asc(auditEntries.seq))
      .limit(limit)) as SealedAuditRow[],
  );
}

// The IP erasure of ADR 024. `ip_salt` is set exactly on version-2 entries that hold an IP, and a
// partial index on it keeps finding them cheap however long the log grows.
const ipErasable = (before: Date) =>
  and(
    isNotNull(auditEntries.ipSalt),
    isNotNull(auditEntries.seq),
    lt(auditEntries.occurredAt, before),
  );

export async function countErasableIps(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(auditEntries).where(ipErasable(before));
  return row?.n ?? 0;
}

export async function countOldFormulaIps(tx: DbOrTx, before: Date): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(auditEntries)
    .where(
      and(
        eq(auditEntries.hashVersion, 1),
        isNotNull(auditEntries.ip),
        lt(auditEntries.occurredAt, before),
      ),
    );
  return row?.n ?? 0;
}

/** Sets ip and ip_salt to null on up to `limit` entries (the trigger lets exactly this through). */
export async function eraseIps(tx: DbOrTx, before: Date, limit: number): Promise<number> {
  const batch = tx
    .select({ id: auditEntries.id })
    .from(auditEntries)
    .where(ipErasable(before))
    .orderBy(asc(auditEntries.occurredAt))
    .limit(limit);
  const rows = await tx
    .update(auditEntries)
    .set({ ip: null, ipSalt: null })
    .where(inArray(auditEntries.id, batch))
    .returning({ id: auditEntries.id });
  return rows.length;
}

/** Audit entries about any of the given targets (e.g. a payment, its order and its refunds). */
export async function entriesAbout(
  tx: DbOrTx,
  targets: Array<{ type: string; ids: string[] }>,
): Promise<AuditRow[]> {
  const match = targets
    .filter((t) => t.ids.length)
    .map((t) => and(eq(auditEntries.targetType, t.type), inArray(auditEntries.targetId, t.ids))!);
  if (!match.length) return [];
  return openEntries(
    await tx
      .select()
      .from(auditEntries)
      .where(or(...match))
      .orderBy(auditEntries.id),
  );
}

/** Entries a user made or that are about them (their data export). */
/** Entries by the user, about the user, or about one of `targetIds` (their orders, payments…), in order. */
export async function entriesOfUser(
  tx: DbOrTx,
  userId: string,
  targetIds: readonly string[] = [],
): Promise<AuditRow[]> {
  const ids = [userId, ...targetIds];
  return openEntries(
    await tx
      .select()
      .from(auditEntries)
      .where(or(eq(auditEntries.actorId, userId), inArray(auditEntries.targetId, ids)))
      .orderBy(asc(auditEntries.id)),
  );
}

export interface AuditFilter {
  targetType?: string | undefined;
  targetId?: string | undefined;
  action?: string | undefined;
  actorType?: AuditRow['actorType'] | undefined;
  actorId?: string | undefined;
}

/** Newest first; `startingAfter` is the id of the last entry of the previous page. */
export async function listEntries(
  tx: DbOrTx,
  f: AuditFilter,
  page: { limit: number; startingAfter?: number | undefined },
): Promise<AuditRow[]> {
  const conditions: SQL[] = [];
  if (f.targetType) conditions.push(eq(auditEntries.targetType, f.targetType));
  if (f.targetId) conditions.push(eq(auditEntries.targetId, f.targetId));
  if (f.action) conditions.push(eq(auditEntries.action, f.action));
  if (f.actorType) conditions.push(eq(auditEntries.actorType, f.actorType));
  if (f.actorId) conditions.push(eq(auditEntries.actorId, f.actorId));
  if (page.startingAfter !== undefined) conditions.push(lt(auditEntries.id, page.startingAfter));
  return openEntries(
    await tx
      .select()
      .from(auditEntries)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(auditEntries.id))
      .limit(page.limit),
  );
}
