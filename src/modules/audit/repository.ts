// Data access for the audit log: the only code that reads or writes `audit_entries`.
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
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

/**
 * An entry as the sealer reads it: with, for hash version 3, the content its hash covers as the
 * database renders it (audit_content_v3, migration 0019).
 */
export type UnsealedAuditRow = AuditRow & { contentV3: string | null };

/** audit_content_v3 over a row's columns (`a` is the alias the audit table has in the query). */
const contentV3Of = (a: string) =>
  sql.raw(`audit_content_v3(${a}.occurred_at, ${a}.actor_type, ${a}.actor_id, ${a}.action,
    ${a}.target_type, ${a}.target_id, ${a}.before, ${a}.after, ${a}.stripe_request_id,
    ${a}.stripe_event_id, ${a}.ip_commitment, ${a}.request_id)`);

/** Committed entries still waiting for their place, oldest id first. */
export async function unsealedEntries(tx: DbOrTx, limit: number): Promise<UnsealedAuditRow[]> {
  return openEntries(
    await tx
      .select({
        ...getTableColumns(auditEntries),
        contentV3: sql<
          string | null
        >`CASE WHEN ${auditEntries.hashVersion} = 3 THEN ${contentV3Of('audit_entries')} END`,
      })
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

/** What the database found wrong with a sealed entry (see checkRange). */
export interface ChainFault {
  id: number;
  seq: number;
  reason: 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
}

/** A sealed entry's IP (opened) and the commitment its hash covers instead (versions 2, 3). */
export interface IpCommitmentRow {
  id: number;
  seq: number;
  ip: string;
  ipSalt: string | null;
  ipCommitment: string | null;
}

/**
 * One pass over the sealed entries at places `fromSeq + 1 … toSeq` (the entry at `fromSeq` is
 * read only as the one before). PostgreSQL names, in chain order, the entries it finds broken: a
 * place that does not follow the previous entry's (an entry removed), a prev_hash that is not the
 * previous entry's hash (genesis for the first), or — for hash version 3 — a hash that does not
 * match the entry's content. It also hands over the IPs entries of versions 2 and 3 still hold,
 * to be checked against their commitments with the key only the application has. Entries of
 * versions 1 and 2 are hashed in JavaScript (oldFormulaEntries).
 */
export async function checkRange(
  tx: DbOrTx,
  fromSeq: number,
  toSeq: number,
  genesisHash: string,
): Promise<{ faults: ChainFault[]; ips: IpCommitmentRow[] }> {
  const result = await tx.execute<{
    id: string;
    seq: string;
    reason: ChainFault['reason'] | null;
    ip: string | null;
    ip_salt: string | null;
    ip_commitment: string | null;
  }>(sql`
    SELECT id, seq, reason, ip, ip_salt, ip_commitment FROM (
      SELECT a.id, a.seq, a.hash_version, a.ip, a.ip_salt, a.ip_commitment,
        CASE
          WHEN a.seq IS DISTINCT FROM
               coalesce(lag(a.seq) OVER w, CASE WHEN ${fromSeq}::bigint = 0 THEN 0 END) + 1
            THEN 'seq_gap'
          WHEN a.prev_hash IS DISTINCT FROM
               coalesce(lag(a.hash) OVER w,
                        CASE WHEN ${fromSeq}::bigint = 0 THEN ${genesisHash}::text END)
            THEN 'prev_hash_mismatch'
          WHEN a.hash_version = 3
               AND a.hash IS DISTINCT FROM audit_hash_v3(a.prev_hash, ${contentV3Of('a')})
            THEN 'hash_mismatch'
        END AS reason
      FROM audit_entries a
      WHERE a.seq >= ${fromSeq}::bigint AND a.seq <= ${toSeq}::bigint
      WINDOW w AS (ORDER BY a.seq)
    ) checked
    WHERE seq > ${fromSeq}::bigint
      AND (reason IS NOT NULL OR (ip IS NOT NULL AND hash_version >= 2))
    ORDER BY seq`);
  const faults: ChainFault[] = [];
  const ips: IpCommitmentRow[] = [];
  for (const r of result.rows) {
    const id = Number(r.id);
    const seq = Number(r.seq);
    if (r.reason) {
      faults.push({ id, seq, reason: r.reason });
    }
    if (r.ip !== null) {
      ips.push({
        id,
        seq,
        ip: open(r.ip, AUDIT_IP),
        ipSalt: r.ip_salt,
        ipCommitment: r.ip_commitment,
      });
    }
  }
  return { faults, ips };
}

/** The place of the last sealed entry before place `seq` (0 when there is none). */
export async function lastSeqBefore(tx: DbOrTx, seq: number): Promise<number> {
  const [row] = await tx
    .select({ seq: auditEntries.seq })
    .from(auditEntries)
    .where(lt(auditEntries.seq, seq))
    .orderBy(desc(auditEntries.seq))
    .limit(1);
  return row?.seq ?? 0;
}

/**
 * Sealed entries of any hash version but 3 at places `fromSeq + 1 … toSeq`, in chain order: 1 and
 * 2, and any other number a tamperer wrote, which hashedContent checks as version 1 (so it fails).
 */
export async function oldFormulaEntries(
  tx: DbOrTx,
  fromSeq: number,
  toSeq: number,
): Promise<SealedAuditRow[]> {
  return openEntries(
    (await tx
      .select()
      .from(auditEntries)
      .where(
        and(
          gt(auditEntries.seq, fromSeq),
          lte(auditEntries.seq, toSeq),
          ne(auditEntries.hashVersion, 3),
        ),
      )
      .orderBy(asc(auditEntries.seq))) as SealedAuditRow[],
  );
}

// The IP erasure of ADR 024. `ip_salt` is set exactly on entries of version 2 or later that hold an IP, and a
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
