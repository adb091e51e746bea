// The append-only, hash-chained audit log. Every audited change writes its entry in the same
// transaction as the change itself, so an entry exists exactly when the change committed.
//
// Chain: hash = sha256(prev_hash + canonical JSON of the entry's content). Entries are not
// chained when written: a request transaction only inserts its entry, so no payment waits for
// any other (ADR 018). The sealer (sealAuditChain, run every second by sealer.ts) then takes the
// committed entries that have no place yet, in id order, and gives each the next position
// (`seq`), the previous entry's hash and its own. One sealer works at a time (a try-lock that
// only sealers take); entries committing late simply get a later place. `audit:verify` checks
// the sealed chain and reports how many entries still wait for their seal.
//
// IP addresses (ADR 024): entries of hash version 2 do not hash the IP itself but a commitment to
// it, HMAC-SHA256 keyed with a random per-entry salt. The retention job erases the IP and the
// salt of entries past RETENTION_AUDIT_IPS; the commitment stays, names no one without the salt,
// and keeps the chain verifiable. While the IP is there, verification checks it against the
// commitment, so changing an IP is still detected. Version 1 entries (written before) keep the
// old formula and therefore their IP.
//
// Version 3 (ADR 036), what new entries are written with: the content is rendered by PostgreSQL
// (audit_content_v3: the fields in a fixed order, before/after in jsonb's canonical text), so that
// verification checks every place, link and version-3 hash inside the database, two ranges at a
// time, and reads into JavaScript only what needs a key (the IPs, against their commitments) or an
// older formula. The sealer hashes the same text, read from the database.
import type { DbOrTx } from '../../db/client.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { createHmac, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../lib/crypto.ts';
import * as repo from './repository.ts';
import type { AuditRow, EntrySeal } from './repository.ts';

export const GENESIS_HASH = '0'.repeat(64);
/** Taken by sealers only, never by a request: it orders sealers, not payments. */
const AUDIT_SEALER_LOCK = 7_301_2028;

export type ActorType = 'user' | 'admin' | 'api_key' | 'system' | 'stripe';

export interface AuditInput {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  stripeRequestId?: string | null;
  stripeEventId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  occurredAt: Date;
}

/** The hash formula new entries are written with. */
export const CURRENT_HASH_VERSION = 3;

/**
 * The content covered by the hash: every column except id, seq, prev_hash and hash — and, from
 * version 2, the IP and its salt, which the commitment stands for.
 */
function hashedContent(e: AuditRow & { contentV3?: string | null }): string {
  if (e.hashVersion === 3) {
    // Rendered by the database (audit_content_v3), so that it can check the hash itself.
    if (typeof e.contentV3 !== 'string')
      throw new Error(`audit entry ${e.id}: no version-3 content`);
    return e.contentV3;
  }
  if (e.hashVersion === 2) {
    return canonicalJson({
      v: 2,
      occurred_at: e.occurredAt.toISOString(),
      actor_type: e.actorType,
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      before: e.before ?? null,
      after: e.after ?? null,
      stripe_request_id: e.stripeRequestId,
      stripe_event_id: e.stripeEventId,
      ip_commitment: e.ipCommitment,
      request_id: e.requestId,
    });
  }
  return canonicalJson({
    occurred_at: e.occurredAt.toISOString(),
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    before: e.before ?? null,
    after: e.after ?? null,
    stripe_request_id: e.stripeRequestId,
    stripe_event_id: e.stripeEventId,
    ip: e.ip,
    request_id: e.requestId,
  });
}

export function computeHash(prevHash: string, content: string): string {
  return sha256Hex(`${prevHash}\n${content}`);
}

/** The commitment a version-2 entry's hash covers instead of its IP. */
export function ipCommitment(salt: string, ip: string): string {
  return createHmac('sha256', salt).update(ip).digest('hex');
}

/** Normalises an IP for storage; the same text must come back from the inet column. */
function normaliseIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/**
 * Writes one entry, unsealed. Must be called inside the transaction that makes the audited
 * change: the entry commits or rolls back with it.
 */
export async function appendAudit(tx: DbOrTx, input: AuditInput): Promise<void> {
  const ip = normaliseIp(input.ip);
  const ipSalt = ip === null ? null : randomBytes(16).toString('hex');
  await repo.insertEntry(tx, {
    occurredAt: input.occurredAt,
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    // Round-trip through JSON: what is stored (and later hashed) is exactly what jsonb gives back.
    before: input.before === undefined ? null : JSON.parse(JSON.stringify(input.before)),
    after: input.after === undefined ? null : JSON.parse(JSON.stringify(input.after)),
    stripeRequestId: input.stripeRequestId ?? null,
    stripeEventId: input.stripeEventId ?? null,
    ip,
    requestId: input.requestId ?? null,
    hashVersion: CURRENT_HASH_VERSION,
    ipSalt,
    ipCommitment: ip === null ? null : ipCommitment(ipSalt!, ip),
  });
}

export interface SealResult {
  /** Entries given their place in the chain by this call. */
  sealed: number;
  /** Another sealer held the chain, so this call sealed nothing more. */
  busy: boolean;
}

/**
 * Seals every committed, unsealed entry, `batchSize` per transaction. Safe to call from any
 * number of processes at once: a call that finds another sealer at work returns at once.
 */
export async function sealAuditChain(
  db: { transaction<T>(fn: (tx: DbOrTx) => Promise<T>): Promise<T> },
  batchSize = 1000,
): Promise<SealResult> {
  let sealed = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      if (!(await repo.trySealerLock(tx, AUDIT_SEALER_LOCK))) return undefined;
      const head = await repo.chainHead(tx);
      const entries = await repo.unsealedEntries(tx, batchSize);
      let seq = head?.seq ?? 0;
      let prevHash = head?.hash ?? GENESIS_HASH;
      const seals: EntrySeal[] = entries.map((entry) => {
        const hash = computeHash(prevHash, hashedContent(entry));
        const seal = { id: entry.id, seq: ++seq, prevHash, hash };
        prevHash = hash;
        return seal;
      });
      if (seals.length) await repo.sealEntries(tx, seals);
      return seals.length;
    });
    if (batch === undefined) return { sealed, busy: true };
    sealed += batch;
    if (batch < batchSize) return { sealed, busy: false };
  }
}

/** How many entries the sealed chain holds (the last sealed entry's place). */
export async function sealedChainLength(db: DbOrTx): Promise<number> {
  return (await repo.chainHead(db))?.seq ?? 0;
}

export interface ChainVerification {
  ok: boolean;
  /** Sealed entries checked. */
  checked: number;
  /** Entries committed but not sealed yet (the sealer runs every second). */
  unsealed: number;
  /** The first entry whose place, link or content does not match, when ok is false. */
  firstBroken?: { id: number; reason: 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' };
}

/** How many places each range of the chain spans (one PostgreSQL query checks one range). */
const VERIFY_RANGE = 50_000;
/** Ranges checked at once: PostgreSQL hashes one per connection, on its own core. */
const VERIFY_PARALLEL_RANGES = 2;

type Broken = NonNullable<ChainVerification['firstBroken']> & {
  /** Entries before it in the chain that verified. */
  checkedBefore: number;
};

/**
 * The first broken entry at places `fromSeq + 1 … toSeq`, if any. PostgreSQL checks every place
 * and link, and the content hash of version-3 entries (repo.checkRange); here are checked the
 * content of version 1 and 2 entries and each IP still held against its commitment.
 */
async function firstBrokenIn(
  db: DbOrTx,
  fromSeq: number,
  toSeq: number,
): Promise<Broken | undefined> {
  const [{ faults, ips }, oldEntries] = await Promise.all([
    repo.checkRange(db, fromSeq, toSeq, GENESIS_HASH),
    repo.oldFormulaEntries(db, fromSeq, toSeq),
  ]);
  const candidates: repo.ChainFault[] = [...faults];
  const contentBroken = oldEntries.find(
    (row) => computeHash(row.prevHash, hashedContent(row)) !== row.hash,
  );
  if (contentBroken)
    candidates.push({ id: contentBroken.id, seq: contentBroken.seq, reason: 'hash_mismatch' });
  // An IP still held is the one its commitment was made for (an erased one, with its salt, is
  // what retention does, not tampering); the rest of the content is covered by the hash.
  const ipBroken = ips.find(
    (row) => row.ipSalt === null || ipCommitment(row.ipSalt, row.ip) !== row.ipCommitment,
  );
  if (ipBroken) candidates.push({ id: ipBroken.id, seq: ipBroken.seq, reason: 'hash_mismatch' });
  // The first in chain order; at one place, a broken place or link is named before its content.
  const first = candidates.sort((a, b) => a.seq - b.seq)[0];
  if (!first) return undefined;
  // Every place before the first fault was there and verified (before a gap, up to its start).
  return {
    id: first.id,
    reason: first.reason,
    checkedBefore: await repo.lastSeqBefore(db, first.seq),
  };
}

/**
 * Checks the sealed chain in ranges of places, in order, and names the first broken entry: a
 * missing place (an entry removed), a link that does not match the previous hash, or content
 * that does not match its own hash. Ranges are independent (each reads the entry before it), so
 * two are checked at once; progress is reported after each range, in order.
 */
export async function verifyAuditChain(
  db: DbOrTx,
  rangeSize = VERIFY_RANGE,
  /** After each range: entries checked so far, of how many sealed. */
  onProgress?: (checked: number, total: number) => void,
): Promise<ChainVerification> {
  const [unsealed, length] = await Promise.all([repo.countUnsealed(db), sealedChainLength(db)]);
  const ranges: Array<[number, number]> = [];
  for (let from = 0; from < length; from += rangeSize)
    ranges.push([from, Math.min(from + rangeSize, length)]);
  const checks: Array<Promise<Broken | undefined>> = [];
  const start = (i: number) => {
    if (i >= ranges.length) return;
    const check = firstBrokenIn(db, ...ranges[i]!);
    // Stopping at an earlier broken range leaves later checks unawaited: their outcome no longer matters.
    check.catch(() => {});
    checks[i] = check;
  };
  for (let i = 0; i < VERIFY_PARALLEL_RANGES; i++) start(i);
  for (let i = 0; i < ranges.length; i++) {
    const broken = await checks[i]!;
    if (broken) {
      const firstBroken = { id: broken.id, reason: broken.reason };
      return { ok: false, checked: broken.checkedBefore, unsealed, firstBroken };
    }
    start(i + VERIFY_PARALLEL_RANGES);
    onProgress?.(ranges[i]![1], length);
  }
  return { ok: true, checked: length, unsealed };
}

export interface IpErasure {
  /** Sealed entries of version 2 or later, older than the cut-off, that still hold an IP. */
  erasable: number;
  /** Version-1 entries older than the cut-off with an IP: their hash covers it, so it stays. */
  keptByOldFormula: number;
}

/** What eraseAuditIps would do now (the retention dry run). */
export async function countAuditIps(db: DbOrTx, before: Date): Promise<IpErasure> {
  const [erasable, keptByOldFormula] = await Promise.all([
    repo.countErasableIps(db, before),
    repo.countOldFormulaIps(db, before),
  ]);
  return { erasable, keptByOldFormula };
}

/**
 * Erases the IP (and its salt) of up to `limit` sealed entries of version 2 or later that occurred before
 * `before`; returns how many. Unsealed entries wait for their seal (a second at most).
 */
export function eraseAuditIps(db: DbOrTx, before: Date, limit: number): Promise<number> {
  return repo.eraseIps(db, before, limit);
}
