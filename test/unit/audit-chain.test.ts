// The audit log's hash chain (src/modules/audit/audit-log.ts) over an in-memory table standing in
// for the repository: what each entry's hash covers, how entries link, and how verification
// names the first broken entry. (test/integration/audit.test.ts does the same on PostgreSQL.)
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRow } from '../../src/modules/audit/repository.ts';

const table = vi.hoisted(() => ({
  rows: [] as AuditRow[],
  calls: [] as string[],
}));

vi.mock('../../src/modules/audit/repository.ts', () => ({
  lockChain: async () => {
    table.calls.push('lock');
  },
  lastHash: async () => {
    table.calls.push('lastHash');
    return table.rows.at(-1)?.hash;
  },
  insertEntry: async (_tx: unknown, values: Omit<AuditRow, 'id'>) => {
    table.calls.push('insert');
    const row = { id: table.rows.length + 1, ...values } as AuditRow;
    table.rows.push(row);
    return row;
  },
  entriesAfter: async (_tx: unknown, afterId: number, limit: number) =>
    table.rows.filter((r) => r.id > afterId).slice(0, limit),
}));

const { GENESIS_HASH, appendAudit, computeHash, verifyAuditChain } =
  await import('../../src/modules/audit/audit-log.ts');

const tx = {} as never;
const at = new Date('2026-03-04T05:06:07.089Z');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

beforeEach(() => {
  table.rows = [];
  table.calls = [];
});

describe('appending to the audit chain', () => {
  it('the first entry links to the genesis hash: 64 zeros', async () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    const row = await appendAudit(tx, {
      actorType: 'system',
      action: 'test.first',
      targetType: 'thing',
      occurredAt: at,
    });
    expect(row.prevHash).toBe('0'.repeat(64));
  });

  it("the hash is sha256 of the previous hash, a newline and the entry's canonical content", async () => {
    const row = await appendAudit(tx, {
      actorType: 'user',
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
      occurredAt: at,
    });
    // Written out by hand: keys sorted, snake_case, dates as ISO strings.
    const content =
      '{"action":"order.create","actor_id":"u1","actor_type":"user","after":{"status":"open"},' +
      '"before":{"a":1,"b":2},"ip":"203.0.113.9","occurred_at":"2026-03-04T05:06:07.089Z",' +
      '"request_id":"r1","stripe_event_id":"evt_1","stripe_request_id":"req_1",' +
      '"target_id":"o1","target_type":"order"}';
    expect(row.hash).toBe(sha256(`${'0'.repeat(64)}\n${content}`));
    expect(computeHash('abc', 'def')).toBe(sha256('abc\ndef'));
  });

  it('optional fields are stored and hashed as null', async () => {
    const row = await appendAudit(tx, {
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
    const content =
      '{"action":"webhook.received","actor_id":null,"actor_type":"stripe","after":null,' +
      '"before":null,"ip":null,"occurred_at":"2026-03-04T05:06:07.089Z","request_id":null,' +
      '"stripe_event_id":null,"stripe_request_id":null,"target_id":null,"target_type":"event"}';
    expect(row.hash).toBe(sha256(`${'0'.repeat(64)}\n${content}`));
  });

  it('before and after are stored as JSON would give them back (dates as strings, undefined dropped)', async () => {
    const row = await appendAudit(tx, {
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
    const zero = await appendAudit(tx, {
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
        await appendAudit(tx, {
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
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 6 });
  });

  it('each entry links to the one before, and the chain is locked before the last hash is read', async () => {
    const first = await appendAudit(tx, {
      actorType: 'user',
      action: 'a',
      targetType: 't',
      occurredAt: at,
    });
    const second = await appendAudit(tx, {
      actorType: 'user',
      action: 'a',
      targetType: 't',
      occurredAt: at,
    });
    expect(second.prevHash).toBe(first.hash);
    // Same content, different place in the chain: a different hash.
    expect(second.hash).not.toBe(first.hash);
    expect(table.calls).toEqual(['lock', 'lastHash', 'insert', 'lock', 'lastHash', 'insert']);
  });
});

describe('verifying the audit chain', () => {
  const append = (n: number) =>
    Array.from({ length: n }).reduce<Promise<unknown>>(
      (p, _, i) =>
        p.then(() =>
          appendAudit(tx, {
            actorType: 'user',
            actorId: `u${i}`,
            action: 'thing.change',
            targetType: 'thing',
            targetId: `t${i}`,
            before: { i },
            after: { i: i + 1 },
            ip: '::ffff:10.0.0.1',
            occurredAt: new Date(at.getTime() + i),
          }),
        ),
      Promise.resolve(),
    );

  it('an empty log verifies, with nothing checked', async () => {
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 0 });
  });

  it('an intact chain verifies, across as many pages as it takes', async () => {
    await append(7);
    expect(await verifyAuditChain(tx)).toEqual({ ok: true, checked: 7 });
    expect(await verifyAuditChain(tx, 2)).toEqual({ ok: true, checked: 7 });
    expect(await verifyAuditChain(tx, 1)).toEqual({ ok: true, checked: 7 });
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
        firstBroken: { id: 3, reason: 'hash_mismatch' },
      });
    },
  );

  it('when an entry is deleted, then the next one is named (its link no longer matches)', async () => {
    await append(5);
    table.rows.splice(1, 1);
    expect(await verifyAuditChain(tx)).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { id: 3, reason: 'prev_hash_mismatch' },
    });
  });

  it('when an entry and its hash are both rewritten, then the next link breaks', async () => {
    await append(4);
    const row = table.rows[1]!;
    row.action = 'forged';
    row.hash = computeHash(row.prevHash, 'forged content');
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
      firstBroken: { id: 1, reason: 'prev_hash_mismatch' },
    });
  });
});
