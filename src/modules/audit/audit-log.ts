// The append-only, hash-chained audit log. Every audited change writes its entry in the same
// transaction as the change itself, so an entry exists exactly when the change committed.
//
// Chain: hash = sha256(prev_hash + canonical JSON of the entry's content). Appends are
// serialised by a transaction-scoped advisory lock taken just before the insert, so two
// concurrent transactions can never both extend the same previous entry.
import type { DbOrTx } from '../../db/client.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import * as repo from './repository.ts';
import type { AuditRow } from './repository.ts';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_CHAIN_LOCK = 7_301_2027;

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

/** The content covered by the hash: every column except id, prev_hash and hash. */
function hashedContent(e: {
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  stripeRequestId: string | null;
  stripeEventId: string | null;
  ip: string | null;
  requestId: string | null;
}): string {
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

/** Normalises an IP for storage; the same text must come back from the inet column. */
function normaliseIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** Appends one entry. Must be called inside the transaction that makes the audited change. */
export async function appendAudit(tx: DbOrTx, input: AuditInput): Promise<AuditRow> {
  await repo.lockChain(tx, AUDIT_CHAIN_LOCK);
  const prevHash = (await repo.lastHash(tx)) ?? GENESIS_HASH;
  // Round-trip through JSON so what we hash is exactly what jsonb will give back.
  const before = input.before === undefined ? null : JSON.parse(JSON.stringify(input.before));
  const after = input.after === undefined ? null : JSON.parse(JSON.stringify(input.after));
  const entry = {
    occurredAt: input.occurredAt,
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    before,
    after,
    stripeRequestId: input.stripeRequestId ?? null,
    stripeEventId: input.stripeEventId ?? null,
    ip: normaliseIp(input.ip),
    requestId: input.requestId ?? null,
  };
  const hash = computeHash(prevHash, hashedContent(entry));
  return repo.insertEntry(tx, { ...entry, prevHash, hash });
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first entry whose link or content does not match, when ok is false. */
  firstBroken?: { id: number; reason: 'prev_hash_mismatch' | 'hash_mismatch' };
}

/** Walks the whole chain in id order, in pages, and names the first broken entry. */
export async function verifyAuditChain(db: DbOrTx, pageSize = 1000): Promise<ChainVerification> {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await repo.entriesAfter(db, lastId, pageSize);
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      if (row.prevHash !== prevHash) {
        return { ok: false, checked, firstBroken: { id: row.id, reason: 'prev_hash_mismatch' } };
      }
      if (computeHash(prevHash, hashedContent(row)) !== row.hash) {
        return { ok: false, checked, firstBroken: { id: row.id, reason: 'hash_mismatch' } };
      }
      prevHash = row.hash;
      lastId = row.id;
      checked++;
    }
  }
}
