// The audit log's hash chain (src/modules/audit/audit-log.ts) over an in-memory table standing in
// for the repository: what each entry's hash covers, how entries link, and how verification
// names the first broken entry. (test/integration/audit.test.ts does the same on PostgreSQL.)
import { createHmac } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRow, EntrySeal } from '../../src/modules/audit/repository.ts';

/**
 * Stands in for audit_content_v3 (migration 0019), which PostgreSQL renders: the fields in a
 * fixed order. Its exact text is PostgreSQL's and is checked in test/integration/audit.test.ts.
 */
const { contentV3, sha256 } = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- hoisted above the imports
  const { createHash: hash } = require('node:crypto') as typeof NodeCrypto;
  return {
    sha256: (text: string) => hash('sha256').update(text).digest('hex'),
    contentV3: (r: AuditRow) =>
      JSON.stringify([
        3,
        r.occurredAt.toISOString(),
        r.actorType,
        r.actorId,
        r.action,
        r.targetType,
        r.targetId,
        r.before,
        r.after,
        r.stripeRequestId,
        r.stripeEventId,
        r.ipCommitment,
        r.requestId,
      ]),
  };
});

const table = vi.hoisted(() => ({
  rows: [] as AuditRow[],
  calls: [] as string[],
  /** Another sealer holds the lock. */
  locked: false,
  /** The database renders no version-3 content (a function missing). */
  noContent: false,
}));

vi.mock('../../src/modules/audit/repository.ts', () => ({
  insertEntry: async (_tx: unknown, values: Omit<AuditRow, 'id' | 'seq' | 'prevHash' | 'hash'>) => {
    table.calls.push('insert');
    table.rows.push({
      id: table.rows.length + 1,
      seq: null,
      prevHash: null,
      hash: null,
      ...values,
    });
  },
  trySealerLock: async () => {
    table.calls.push('lock');
    return !table.locked;
  },
  chainHead: async () => {
    table.calls.push('head');
    const sealed = table.rows.filter((r) => r.seq !== null).sort((a, b) => b.seq! - a.seq!);
    return sealed[0] ? { seq: sealed[0].seq, hash: sealed[0].hash } : undefined;
  },
  unsealedEntries: async (_tx: unknown, limit: number) => {
    table.calls.push('unsealed');
    return table.rows
      .filter((r) => r.seq === null)
      .slice(0, limit)
      .map((r) => ({
        ...r,
        contentV3: r.hashVersion === 3 && !table.noContent ? contentV3(r) : null,
      }));
  },
  sealEntries: async (_tx: unknown, seals: EntrySeal[]) => {
    table.calls.push(`seal ${seals.length}`);
    for (const s of seals)
      Object.assign(
        table.rows.find((r) => r.id === s.id)!,
        s,
      );
  },
  countUnsealed: async () => table.rows.filter((r) => r.seq === null).length,
  // PostgreSQL's part of verification (repository.ts, checkRange), done here over the table.
  checkRange: async (_tx: unknown, fromSeq: number, toSeq: number, genesis: string) => {
    table.calls.push(`range ${fromSeq}-${toSeq}`);
    const rows = table.rows
      .filter((r) => r.seq !== null && r.seq >= fromSeq && r.seq <= toSeq)
      .sort((a, b) => a.seq! - b.seq!);
    const faults = [];
    const ips = [];
    for (const [i, r] of rows.entries()) {
      if (r.seq! <= fromSeq) continue;
      const prev = rows[i - 1];
      const reason =
        r.seq !== (prev ? prev.seq! : fromSeq === 0 ? 0 : NaN) + 1
          ? 'seq_gap'
          : r.prevHash !== (prev ? prev.hash : fromSeq === 0 ? genesis : undefined)
            ? 'prev_hash_mismatch'
            : r.hashVersion === 3 && r.hash !== sha256(`${r.prevHash}\n${contentV3(r)}`)
              ? 'hash_mismatch'
              : null;
      if (reason) faults.push({ id: r.id, seq: r.seq!, reason });
      if (r.ip !== null && r.hashVersion >= 2)
        ips.push({
          id: r.id,
          seq: r.seq!,
          ip: r.ip,
          ipSalt: r.ipSalt,
          ipCommitment: r.ipCommitment,
        });
    }
    return { faults, ips };
  },
  lastSeqBefore: async (_tx: unknown, seq: number) =>
    Math.max(0, ...table.rows.filter((r) => r.seq !== null && r.seq < seq).map((r) => r.seq!)),
  oldFormulaEntries: async (_tx: unknown, fromSeq: number, toSeq: number) =>
    table.rows
      .filter((r) => r.seq !== null && r.seq > fromSeq && r.seq <= toSeq && r.hashVersion !== 3)
      .sort((a, b) => a.seq! - b.seq!),
}));

const {
  GENESIS_HASH,
  appendAudit,
  computeHash,
  sealAuditChain,
  sealedChainLength,
  verifyAuditChain,
} = await import('../../src/modules/audit/audit-log.ts');

const tx = {} as never;
/** A stand-in for the database: each transaction runs on the same in-memory table. */
const db = { transaction: <T>(fn: (t: never) => Promise<T>) => fn(tx) };
const at = new Date('2026-03-04T05:06:07.089Z');

/** Appends one entry and seals the chain; returns the entry as stored. */
async function appendSealed(input: Parameters<typeof appendAudit>[1]): Promise<AuditRow> {
  await appendAudit(tx, input);
  await sealAuditChain(db);
  return table.rows.at(-1)!;
}

beforeEach(() => {
  table.rows = [];
  table.calls = [];
  table.locked = false;
  table.noContent = false;
});

const SALT = 'a'.repeat(32);

/** One entry's content, written by the current release or stored by an older one. */
const ORDER_CREATED = {
  occurredAt: at,
  actorType: 'user' as const,
  actorId: 'u1',
  action: 'order.create',
  targetType: 'order',
  targetId: 'o1',
  before: { b: 2, a: 1 },
  after: { status: 'open' },
  stripeRequestId: 'req_1',
  stripeEventId: 'evt_1',
  ip: '203.0.113.9',
  requestId: 'r1',
};

/** An entry written before ADR 036, unsealed, as an older Paydeck stored it (version 1 or 2). */
function anOldEntry(hashVersion: 1 | 2, over: Partial<AuditRow> = {}): AuditRow {
  const entry: AuditRow = {
    id: table.rows.length + 1,
    seq: null,
    prevHash: null,
    hash: null,
    ...ORDER_CREATED,
    hashVersion,
    ipSalt: hashVersion === 2 ? SALT : null,
    ipCommitment:
      hashVersion === 2 ? createHmac('sha256', SALT).update('203.0.113.9').digest('hex') : null,
    ...over,
  };
  table.rows.push(entry);
  return entry;
}

describe('appending to the audit chain', () => {
  it('the first entry links to the genesis hash: 64 zeros', async () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    const row = await appendSealed({
      actorType: 'system',
      action: 'test.first',
      targetType: 'thing',
      occurredAt: at,
    });
    expect(row.prevHash).toBe('0'.repeat(64));
  });

  it('the hash is sha256 of the previous hash, a newline and the content the database renders (version 3)', async () => {
    const row = await appendSealed(ORDER_CREATED);
    // The IP is hashed as its commitment (ADR 024), HMAC-SHA256 keyed with a random per-entry
    // salt, so that it can be erased later; the content is rendered by PostgreSQL (ADR 036).
    expect(row).toMatchObject({ hashVersion: 3, ip: '203.0.113.9' });
    expect(row.ipSalt).toMatch(/^[0-9a-f]{32}$/);
    const commitment = createHmac('sha256', row.ipSalt!).update('203.0.113.9').digest('hex');
    expect(row.ipCommitment).toBe(commitment);
    expect(row.hash).toBe(sha256(`${'0'.repeat(64)}\n${contentV3(row)}`));
    expect(computeHash('abc', 'def')).toBe(sha256('abc\ndef'));
  });

  it('an entry of version 2 (before ADR 036) is hashed and verified with its own formula: canonical JSON of its fields', async () => {
    anOldEntry(2);
    await sealAuditChain(db);
    // Written out by hand: keys sorted, snake_case, dates as ISO strings.
    const content =
      '{"action":"order.create","actor_id":"u1","actor_type":"user","after":{"status":"open"},' +
      `"before":{"a":1,"b":2},"ip_commitment":"${table.rows[0]!.ipCommitment}",` +
      '"occurred_at":"2026-03-04T05:06:07.089Z",' +
      '"request_id":"r1","stripe_event_id":"evt_1","stripe_request_id":"req_1",' +
      '"target_id":"o1","target_type":"order","v":2}';
    expect(table.rows[0]!.hash).toBe(sha256(`${'0'.repeat(64)}\n${content}`));
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 1, unsealed: 0 });
    // Its content is checked here, not by the database: a change is still named.
    table.rows[0]!.action = 'order.delete';
    expect(await verifyAuditChain(tx)).toMatchObject({
      ok: false,
      firstBroken: { id: 1, reason: 'hash_mismatch' },
    });
  });

  it('a version-2 entry’s IP is checked against its commitment here: another IP, or a salt gone with the IP kept, is named; both erased is retention', async () => {
    anOldEntry(2, { before: null, after: null, stripeRequestId: null, stripeEventId: null });
    await sealAuditChain(db);
    const row = table.rows[0]!;
    const broken = {
      ok: false,
      checked: 0,
      unsealed: 0,
      firstBroken: { id: 1, reason: 'hash_mismatch' },
    };
    row.ip = '198.51.100.1';
    expect(await verifyAuditChain(tx)).toEqual(broken);
    Object.assign(row, { ip: '203.0.113.9', ipSalt: null });
    expect(await verifyAuditChain(tx)).toEqual(broken);
    Object.assign(row, { ip: null, ipSalt: null });
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 1, unsealed: 0 });
  });

  it('when the database renders no version-3 content, then sealing fails rather than hash something else', async () => {
    table.noContent = true;
    await appendAudit(tx, { actorType: 'system', action: 'a', targetType: 't', occurredAt: at });
    await expect(sealAuditChain(db)).rejects.toThrow('audit entry 1: no version-3 content');
    expect(table.rows[0]!.seq).toBeNull();
  });

  it('each entry gets its own salt, so the same IP gives unrelated commitments', async () => {
    const first = await appendSealed({
      actorType: 'user',
      action: 'a',
      targetType: 't',
      ip: '10.1.1.1',
      occurredAt: at,
    });
    const second = await appendSealed({
      actorType: 'user',
      action: 'a',
      targetType: 't',
      ip: '10.1.1.1',
      occurredAt: at,
    });
    expect(first.ipSalt).not.toBe(second.ipSalt);
    expect(first.ipCommitment).not.toBe(second.ipCommitment);
  });

  it('an entry written before ADR 024 (version 1) is hashed with its IP itself, as it always was', async () => {
    anOldEntry(1, { before: { a: 1, b: 2 } });
    await sealAuditChain(db);
    const content =
      '{"action":"order.create","actor_id":"u1","actor_type":"user","after":{"status":"open"},' +
      '"before":{"a":1,"b":2},"ip":"203.0.113.9","occurred_at":"2026-03-04T05:06:07.089Z",' +
      '"request_id":"r1","stripe_event_id":"evt_1","stripe_request_id":"req_1",' +
      '"target_id":"o1","target_type":"order"}';
    expect(table.rows[0]!.hash).toBe(sha256(`${'0'.repeat(64)}\n${content}`));
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 1, unsealed: 0 });
  });

  it('optional fields are stored and hashed as null', async () => {
    const row = await appendSealed({
      actorType: 'stripe',
      action: 'webhook.received',
      targetType: 'event',
      occurredAt: at,
    });
    expect(row).toMatchObject({
      actorId: null,
      targetId: null,
      before: null,
      after: null,
      stripeRequestId: null,
      stripeEventId: null,
      ip: null,
      requestId: null,
    });
    expect(row).toMatchObject({ hashVersion: 3, ipSalt: null, ipCommitment: null });
    expect(row.hash).toBe(sha256(`${'0'.repeat(64)}\n${contentV3(row)}`));
  });

  it('before and after are stored as JSON would give them back (dates as strings, undefined dropped)', async () => {
    const row = await appendSealed({
      actorType: 'admin',
      action: 'x',
      targetType: 'y',
      before: { when: at, gone: undefined },
      after: [1, { n: null }],
      occurredAt: at,
    });
    expect(row.before).toEqual({ when: '2026-03-04T05:06:07.089Z' });
    expect(row.after).toEqual([1, { n: null }]);
    // A falsy but defined value is kept, not turned into null.
    const zero = await appendSealed({
      actorType: 'admin',
      action: 'x',
      targetType: 'y',
      before: 0,
      after: false,
      occurredAt: at,
    });
    expect(zero.before).toBe(0);
    expect(zero.after).toBe(false);
    expect((await verifyAuditChain(tx)).ok).toBe(true);
  });

  it('an IPv4-mapped IPv6 address is stored as the IPv4 address; others as given; empty as null', async () => {
    const ipOf = async (ip: string | null | undefined) =>
      (
        await appendSealed({
          actorType: 'user',
          action: 'a',
          targetType: 't',
          ip,
          occurredAt: at,
        })
      ).ip;
    expect(await ipOf('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(await ipOf('198.51.100.7')).toBe('198.51.100.7');
    expect(await ipOf('2001:db8::1')).toBe('2001:db8::1');
    expect(await ipOf('::1')).toBe('::1');
    expect(await ipOf('')).toBeNull();
    expect(await ipOf(null)).toBeNull();
    // The normalised address is what is hashed: the chain verifies from the stored rows.
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 6, unsealed: 0 });
  });

  it('each entry links to the one before; writing takes no lock and reads nothing', async () => {
    const first = await appendSealed({
      actorType: 'user',
      action: 'a',
      targetType: 't',
      occurredAt: at,
    });
    const second = await appendSealed({
      actorType: 'user',
      action: 'a',
      targetType: 't',
      occurredAt: at,
    });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(second.prevHash).toBe(first.hash);
    // Same content, different place in the chain: a different hash.
    expect(second.hash).not.toBe(first.hash);
    // The request's transaction only inserts; the sealer locks, reads the head, then seals.
    expect(table.calls).toEqual([
      'insert',
      'lock',
      'head',
      'unsealed',
      'seal 1',
      'insert',
      'lock',
      'head',
      'unsealed',
      'seal 1',
    ]);
  });
});

describe('sealing the audit chain', () => {
  const write = (n: number, from = 0) =>
    Array.from({ length: n }).reduce<Promise<unknown>>(
      (p, _, i) =>
        p.then(() =>
          appendAudit(tx, {
            actorType: 'user',
            actorId: `u${from + i}`,
            action: 'thing.change',
            targetType: 'thing',
            targetId: `t${from + i}`,
            before: { i: from + i },
            after: { i: from + i + 1 },
            ip: '::ffff:10.0.0.1',
            occurredAt: new Date(at.getTime() + from + i),
          }),
        ),
      Promise.resolve(),
    );

  it('an entry is stored unsealed until the sealer runs', async () => {
    await write(1);
    expect(table.rows[0]).toMatchObject({ seq: null, prevHash: null, hash: null });
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 0, unsealed: 1 });
    expect(await sealAuditChain(db)).toEqual({ sealed: 1, busy: false });
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 1, unsealed: 0 });
  });

  it('seals in batches, in id order, continuing from the last sealed entry', async () => {
    await write(3);
    expect(await sealAuditChain(db, 2)).toEqual({ sealed: 3, busy: false });
    // Two transactions: a full batch of 2, then 1 (a short batch ends the run).
    expect(table.calls.filter((c) => c.startsWith('seal'))).toEqual(['seal 2', 'seal 1']);
    await write(2, 3);
    expect(await sealAuditChain(db, 2)).toEqual({ sealed: 2, busy: false });
    expect(table.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(table.rows[3]!.prevHash).toBe(table.rows[2]!.hash);
    expect(await sealedChainLength(tx)).toBe(5);
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 5, unsealed: 0 });
  });

  it('an exact multiple of the batch size ends with one empty batch and seals nothing twice', async () => {
    await write(4);
    expect(await sealAuditChain(db, 2)).toEqual({ sealed: 4, busy: false });
    expect(table.calls.filter((c) => c.startsWith('seal'))).toEqual(['seal 2', 'seal 2']);
    expect(await sealAuditChain(db, 2)).toEqual({ sealed: 0, busy: false });
    expect(table.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('when another sealer holds the chain, then this one seals nothing and says so', async () => {
    await write(2);
    table.locked = true;
    expect(await sealAuditChain(db)).toEqual({ sealed: 0, busy: true });
    expect(table.rows.every((r) => r.seq === null)).toBe(true);
    expect(table.calls).not.toContain('head');
  });

  it('an empty chain has length 0 and seals from the genesis hash', async () => {
    expect(await sealedChainLength(tx)).toBe(0);
    await write(1);
    await sealAuditChain(db);
    expect(table.rows[0]!.prevHash).toBe(GENESIS_HASH);
  });
});

describe('verifying the audit chain', () => {
  const append = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await appendAudit(tx, {
        actorType: 'user',
        actorId: `u${i}`,
        action: 'thing.change',
        targetType: 'thing',
        targetId: `t${i}`,
        before: { i },
        after: { i: i + 1 },
        ip: '::ffff:10.0.0.1',
        occurredAt: new Date(at.getTime() + i),
      });
    }
    await sealAuditChain(db);
  };

  it('an empty log verifies, with nothing checked', async () => {
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 0, unsealed: 0 });
  });

  it('an intact chain verifies, across as many pages as it takes, reporting progress per page', async () => {
    await append(7);
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 7, unsealed: 0 });
    expect(await verifyAuditChain(tx, 1)).toEqual({ ok: true, checked: 7, unsealed: 0 });
    const progress: Array<[number, number]> = [];
    expect(await verifyAuditChain(tx, 3, (n, total) => progress.push([n, total]))).toEqual({
      ok: true,
      checked: 7,
      unsealed: 0,
    });
    expect(progress).toEqual([
      [3, 7],
      [6, 7],
      [7, 7],
    ]);
  });

  it.each([
    ['actorId', 'someone-else'],
    ['actorType', 'admin'],
    ['action', 'thing.delete'],
    ['targetType', 'other'],
    ['targetId', 't9'],
    ['before', { i: 99 }],
    ['after', null],
    ['stripeRequestId', 'req_x'],
    ['stripeEventId', 'evt_x'],
    ['ip', '10.0.0.2'],
    ['ipCommitment', 'f'.repeat(64)],
    ['ipSalt', 'e'.repeat(32)],
    ['hashVersion', 1],
    ['requestId', 'r9'],
    ['occurredAt', new Date(0)],
  ] as const)(
    'when an entry’s %s is changed afterwards, then that entry is named (hash mismatch)',
    async (field, value) => {
      await append(5);
      (table.rows[2] as Record<string, unknown>)[field] = value;
      expect(await verifyAuditChain(tx, 2)).toEqual({
        ok: false,
        checked: 2,
        unsealed: 0,
        firstBroken: { id: 3, reason: 'hash_mismatch' },
      });
    },
  );

  it('when an entry’s IP and salt are erased (retention, ADR 024), then the chain still verifies', async () => {
    await append(5);
    for (const row of table.rows.slice(0, 3)) Object.assign(row, { ip: null, ipSalt: null });
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 5, unsealed: 0 });
  });

  it.each([
    ['its salt is gone', { ipSalt: null }],
    ['its commitment is gone', { ipCommitment: null }],
  ])('when an entry still holding its IP has %s, then it is named', async (_what, change) => {
    await append(3);
    Object.assign(table.rows[1]!, change);
    expect(await verifyAuditChain(tx)).toMatchObject({
      ok: false,
      checked: 1,
      firstBroken: { id: 2, reason: 'hash_mismatch' },
    });
  });

  it('when an IP is wrong in one entry and the content of a later one, then the earlier is named', async () => {
    await append(5);
    Object.assign(table.rows[1]!, { ip: '10.9.9.9' });
    table.rows[3]!.action = 'forged';
    expect(await verifyAuditChain(tx)).toEqual({
      ok: false,
      checked: 1,
      unsealed: 0,
      firstBroken: { id: 2, reason: 'hash_mismatch' },
    });
  });

  it('when an entry’s version is changed to one that does not exist, then it is named', async () => {
    await append(3);
    table.rows[1]!.hashVersion = 4;
    expect(await verifyAuditChain(tx)).toMatchObject({
      ok: false,
      firstBroken: { id: 2, reason: 'hash_mismatch' },
    });
  });

  it('when an erased entry is given another IP, then it is named: the commitment does not match', async () => {
    await append(5);
    Object.assign(table.rows[1]!, { ip: null, ipSalt: null });
    Object.assign(table.rows[1]!, { ip: '10.9.9.9', ipSalt: 'a'.repeat(32) });
    expect(await verifyAuditChain(tx)).toMatchObject({
      ok: false,
      firstBroken: { id: 2, reason: 'hash_mismatch' },
    });
  });

  it('when an entry is deleted, then the next one is named (its place is not the next one)', async () => {
    await append(5);
    table.rows.splice(1, 1);
    expect(await verifyAuditChain(tx)).toEqual({
      ok: false,
      checked: 1,
      unsealed: 0,
      firstBroken: { id: 3, reason: 'seq_gap' },
    });
  });

  it('when an entry is deleted and the later places renumbered, then the broken link is named', async () => {
    await append(4);
    table.rows.splice(1, 1);
    for (const row of table.rows.slice(1)) row.seq = row.seq! - 1;
    expect(await verifyAuditChain(tx)).toEqual({
      ok: false,
      checked: 1,
      unsealed: 0,
      firstBroken: { id: 3, reason: 'prev_hash_mismatch' },
    });
  });

  it('when an entry and its hash are both rewritten, then the next link breaks', async () => {
    await append(4);
    const row = table.rows[1]!;
    row.action = 'forged';
    row.hash = computeHash(row.prevHash!, 'forged content');
    const result = await verifyAuditChain(tx);
    expect(result.ok).toBe(false);
    expect(result.firstBroken?.id).toBe(2);
  });

  it('when the first entry does not start from genesis, then it is named', async () => {
    await append(2);
    table.rows[0]!.prevHash = 'f'.repeat(64);
    expect(await verifyAuditChain(tx)).toEqual({
      ok: false,
      checked: 0,
      unsealed: 0,
      firstBroken: { id: 1, reason: 'prev_hash_mismatch' },
    });
  });

  it('unsealed entries are counted, not checked', async () => {
    await append(2);
    await appendAudit(tx, { actorType: 'system', action: 'late', targetType: 't', occurredAt: at });
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 2, unsealed: 1 });
  });
});
