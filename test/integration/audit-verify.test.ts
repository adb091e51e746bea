// Audit hash version 3 (ADR 036) on a real PostgreSQL: the content the database renders for an
// entry (audit_content_v3), the hash the sealer gives it, and verification — which checks places,
// links and version-3 hashes inside the database, range by range — naming the first entry changed,
// removed or renumbered behind the append-only trigger. On a database of its own: every test
// tampers with the chain (inside transactions rolled back) and verifies all of it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { connectDatabase, type Database, type DbOrTx } from '../../src/db/client.ts';
import { KeyRing } from '../../src/lib/data-encryption.ts';
import { useKeyRing } from '../../src/lib/personal-data.ts';
import {
  GENESIS_HASH,
  appendAudit,
  sealAuditChain,
  verifyAuditChain,
  type AuditInput,
} from '../../src/modules/audit/audit-log.ts';
import { aDatabaseOfItsOwn } from '../helpers/system.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';

let own: { url: string; drop(): Promise<void> };
let database: Database;
beforeAll(async () => {
  useKeyRing(KeyRing.parse(TEST_DATA_ENCRYPTION_KEYS));
  own = await aDatabaseOfItsOwn('paydeck_audit_verify');
  database = connectDatabase(own.url, { max: 4 });
}, 60_000);
afterAll(async () => {
  await database?.close();
  await own?.drop();
});

const at = new Date('2026-03-04T05:06:07.089Z');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function emptyLog() {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_truncate`);
    await tx.execute(sql`TRUNCATE audit_entries RESTART IDENTITY`);
    await tx.execute(sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_truncate`);
  });
}

async function write(n: number, extra: Partial<AuditInput> = {}) {
  for (let i = 0; i < n; i++) {
    await database.db.transaction((tx) =>
      appendAudit(tx, {
        actorType: 'user',
        actorId: `u${i}`,
        action: 'thing.change',
        targetType: 'thing',
        targetId: `t${i}`,
        before: { i, nested: { z: 1, a: [1, 'x'] } },
        after: { i: i + 1 },
        ip: '203.0.113.9',
        requestId: `r${i}`,
        occurredAt: new Date(at.getTime() + i),
        ...extra,
      }),
    );
  }
  await sealAuditChain(database.db);
}

/** Runs `change` behind the trigger, verifies, and rolls it all back. */
async function verifiedAfter(change: (tx: DbOrTx) => Promise<unknown>, rangeSize?: number) {
  let outcome: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
  await database.db
    .transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`);
      await change(tx);
      outcome = await verifyAuditChain(tx, rangeSize);
      tx.rollback();
    })
    .catch((err: Error) => {
      if (!/rollback/i.test(err.message)) throw err;
    });
  return outcome!;
}

beforeEach(emptyLog);

describe('what a version-3 hash covers', () => {
  it('when an entry is sealed, then its hash is sha256 of genesis, a newline and the database’s rendering of its fields, whatever the session’s time zone', async () => {
    await write(1, {
      actorId: 'u1',
      action: 'order.create',
      targetType: 'order',
      targetId: 'o1',
      before: { b: 2, a: 1 },
      after: { status: 'open', amount: 1000 },
      stripeRequestId: 'req_1',
      stripeEventId: 'evt_1',
      requestId: 'r1',
    });
    const [row] = (
      await database.db.execute<{ hash: string; ip_salt: string; hash_version: number }>(
        sql`SELECT hash, ip_salt, hash_version FROM audit_entries`,
      )
    ).rows;
    expect(row!.hash_version).toBe(3);
    const commitment = createHmac('sha256', row!.ip_salt).update('203.0.113.9').digest('hex');
    // Written out by hand: jsonb's own text (keys by length, then bytes; ", " and ": ").
    const content =
      '[3, "2026-03-04T05:06:07.089000Z", "user", "u1", "order.create", "order", "o1", ' +
      '{"a": 1, "b": 2}, {"amount": 1000, "status": "open"}, "req_1", "evt_1", ' +
      `"${commitment}", "r1"]`;
    expect(row!.hash).toBe(sha256(`${GENESIS_HASH}\n${content}`));

    const rendered = await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL TIME ZONE 'Asia/Kolkata'`);
      return (
        await tx.execute<{ content: string }>(sql`
          SELECT audit_content_v3(occurred_at, actor_type, actor_id, action, target_type,
            target_id, before, after, stripe_request_id, stripe_event_id, ip_commitment,
            request_id) AS content FROM audit_entries`)
      ).rows[0]!.content;
    });
    expect(rendered).toBe(content);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 1, unsealed: 0 });
  });
});

describe('sealing a version-3 entry', () => {
  it('when a sealer writes a hash that is not its content’s (an older release’s formula), then the database refuses, and the entry waits for a sealer that computes it', async () => {
    await database.db.transaction((tx) =>
      appendAudit(tx, { actorType: 'system', action: 'new', targetType: 't', occurredAt: at }),
    );
    const wrong = sha256(`${GENESIS_HASH}\n{"action":"new"}`);
    await expect(
      database.db.execute(
        sql`UPDATE audit_entries SET seq = 1, prev_hash = ${GENESIS_HASH}, hash = ${wrong}`,
      ),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '42501' }) });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 0, unsealed: 1 });
    expect(await sealAuditChain(database.db)).toEqual({ sealed: 1, busy: false });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 1, unsealed: 0 });
  });
});

describe('verification on PostgreSQL', () => {
  it('when the chain is intact, then it verifies across ranges, reporting progress after each', async () => {
    await write(5);
    const progress: Array<[number, number]> = [];
    expect(await verifyAuditChain(database.db, 2, (n, total) => progress.push([n, total]))).toEqual(
      {
        ok: true,
        checked: 5,
        unsealed: 0,
      },
    );
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it.each([
    ['occurred_at', sql`occurred_at = occurred_at + interval '1 microsecond'`],
    ['actor_type', sql`actor_type = 'admin'`],
    ['actor_id', sql`actor_id = 'someone-else'`],
    ['action', sql`action = 'thing.delete'`],
    ['target_type', sql`target_type = 'other'`],
    ['target_id', sql`target_id = 't9'`],
    ['before', sql`before = '{"i": 99}'::jsonb`],
    ['after', sql`after = NULL`],
    ['stripe_request_id', sql`stripe_request_id = 'req_x'`],
    ['stripe_event_id', sql`stripe_event_id = 'evt_x'`],
    ['ip_commitment', sql`ip_commitment = ${'f'.repeat(64)}`],
    ['ip_salt', sql`ip_salt = ${'e'.repeat(32)}`],
    ['request_id', sql`request_id = 'r9'`],
    ['hash_version', sql`hash_version = 2`],
    ['hash_version (to a version that does not exist)', sql`hash_version = 4`],
  ])(
    'when an entry’s %s is changed behind the trigger, then that entry is named (hash mismatch), in whichever range it lies',
    async (_column, change) => {
      await write(5);
      for (const rangeSize of [2, 50_000]) {
        const outcome = await verifiedAfter(
          (tx) => tx.execute(sql`UPDATE audit_entries SET ${change} WHERE seq = 3`),
          rangeSize,
        );
        expect(outcome).toEqual({
          ok: false,
          checked: 2,
          unsealed: 0,
          firstBroken: { id: 3, reason: 'hash_mismatch' },
        });
      }
    },
  );

  it('when an entry’s IP is replaced by another one encrypted under the same key, then it is named: the commitment does not match', async () => {
    await write(3);
    const [other] = (
      await database.db.execute<{ ip: string }>(sql`SELECT ip FROM audit_entries WHERE seq = 1`)
    ).rows;
    await write(1, { ip: '198.51.100.1' });
    const outcome = await verifiedAfter((tx) =>
      tx.execute(sql`UPDATE audit_entries SET ip = ${other!.ip} WHERE seq = 4`),
    );
    expect(outcome).toMatchObject({ ok: false, firstBroken: { id: 4, reason: 'hash_mismatch' } });
  });

  it('when an entry’s IP and salt are erased (retention), then the chain still verifies', async () => {
    await write(3);
    const outcome = await verifiedAfter((tx) =>
      tx.execute(sql`UPDATE audit_entries SET ip = NULL, ip_salt = NULL WHERE seq = 2`),
    );
    expect(outcome).toEqual({ ok: true, checked: 3, unsealed: 0 });
  });

  it.each([2, 3, 50_000])(
    'when an entry is deleted, then the next one is named (range size %i)',
    async (rangeSize) => {
      await write(5);
      const outcome = await verifiedAfter(
        (tx) => tx.execute(sql`DELETE FROM audit_entries WHERE seq = 3`),
        rangeSize,
      );
      expect(outcome).toEqual({
        ok: false,
        checked: 2,
        unsealed: 0,
        firstBroken: { id: 4, reason: 'seq_gap' },
      });
    },
  );

  it('when the first entry is deleted, then the second is named with nothing checked', async () => {
    await write(3);
    const outcome = await verifiedAfter((tx) =>
      tx.execute(sql`DELETE FROM audit_entries WHERE seq = 1`),
    );
    expect(outcome).toEqual({
      ok: false,
      checked: 0,
      unsealed: 0,
      firstBroken: { id: 2, reason: 'seq_gap' },
    });
  });

  it('when an entry is deleted and the later places renumbered, then the broken link is named', async () => {
    await write(4);
    const outcome = await verifiedAfter(async (tx) => {
      await tx.execute(sql`DELETE FROM audit_entries WHERE seq = 2`);
      await tx.execute(sql`UPDATE audit_entries SET seq = -seq WHERE seq > 2`);
      await tx.execute(sql`UPDATE audit_entries SET seq = -seq - 1 WHERE seq < 0`);
    }, 2);
    expect(outcome).toEqual({
      ok: false,
      checked: 1,
      unsealed: 0,
      firstBroken: { id: 3, reason: 'prev_hash_mismatch' },
    });
  });

  it('when an entry and its hash are rewritten together, then the next link breaks', async () => {
    await write(4);
    const outcome = await verifiedAfter(async (tx) => {
      await tx.execute(sql`UPDATE audit_entries SET action = 'forged' WHERE seq = 2`);
      await tx.execute(sql`
        UPDATE audit_entries SET hash = audit_hash_v3(prev_hash, audit_content_v3(occurred_at,
          actor_type, actor_id, action, target_type, target_id, before, after, stripe_request_id,
          stripe_event_id, ip_commitment, request_id)) WHERE seq = 2`);
    });
    expect(outcome).toEqual({
      ok: false,
      checked: 2,
      unsealed: 0,
      firstBroken: { id: 3, reason: 'prev_hash_mismatch' },
    });
  });

  it('when the first entry does not start from genesis, then it is named', async () => {
    await write(2);
    const outcome = await verifiedAfter((tx) =>
      tx.execute(sql`UPDATE audit_entries SET prev_hash = ${'f'.repeat(64)} WHERE seq = 1`),
    );
    expect(outcome).toEqual({
      ok: false,
      checked: 0,
      unsealed: 0,
      firstBroken: { id: 1, reason: 'prev_hash_mismatch' },
    });
  });

  it('when a chain holds version-2 entries before version-3 ones, then both verify, and a change to a version-2 entry is named', async () => {
    // Entries written before ADR 036: sealed with the version-2 formula, checked in JavaScript.
    await database.db.transaction(async (tx) => {
      await appendAudit(tx, {
        actorType: 'system',
        action: 'old',
        targetType: 't',
        occurredAt: at,
      });
      await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`);
      await tx.execute(sql`UPDATE audit_entries SET hash_version = 2`);
      await tx.execute(sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only`);
    });
    await write(2);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 3, unsealed: 0 });
    const outcome = await verifiedAfter((tx) =>
      tx.execute(sql`UPDATE audit_entries SET action = 'forged' WHERE seq = 1`),
    );
    expect(outcome).toMatchObject({ ok: false, firstBroken: { id: 1, reason: 'hash_mismatch' } });
  });

  it('unsealed entries are counted, not checked', async () => {
    await write(2);
    await database.db.transaction((tx) =>
      appendAudit(tx, { actorType: 'system', action: 'late', targetType: 't', occurredAt: at }),
    );
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 2, unsealed: 1 });
  });
});
