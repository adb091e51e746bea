import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { TestClient } from '../helpers/http-client.ts';
import {
  appendAudit,
  sealAuditChain,
  verifyAuditChain,
} from '../../src/modules/audit/audit-log.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/**
 * Seals everything committed. Another test file's app may be sealing the shared database at
 * that moment (the sealer's try-lock then answers busy): wait for a run that was not.
 */
async function sealAll() {
  await expect
    .poll(async () => (await sealAuditChain(t.database.db)).busy, { timeout: 20_000 })
    .toBe(false);
}

describe('audit log', () => {
  it('when accounts are created, then each has an entry and the chain verifies', async () => {
    const { user } = await new TestClient(t.app).signup(uniqueEmail('audit'));
    const rows = await t.database.db.execute(
      sql`SELECT action, actor_id, ip FROM audit_entries WHERE target_id = ${user.id}`,
    );
    expect(rows.rows).toEqual([
      { action: 'account.created', actor_id: user.id, ip: expect.any(String) },
    ]);
    await sealAll();
    const result = await verifyAuditChain(t.database.db);
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThan(0);
  });

  it('when the app runs, then its sealer gives every new entry a place in the chain within seconds', async () => {
    const { user } = await new TestClient(t.app).signup(uniqueEmail('sealed'));
    const sealedEntry = async () =>
      (
        await t.database.db.execute<{ seq: string | null; hash: string | null }>(
          sql`SELECT seq, hash FROM audit_entries WHERE target_id = ${user.id}`,
        )
      ).rows[0];
    // No explicit seal here: the app's own sealer (audit/sealer.ts) must do it.
    await expect.poll(sealedEntry, { timeout: 15_000 }).toMatchObject({
      seq: expect.anything(),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  // The embedded database (PGlite) runs one transaction at a time: an open transaction there
  // blocks every other, so neither of the next two situations can arise on it.
  it.skipIf(!process.env.DATABASE_URL)(
    'when entries commit while a transaction holding a lower id is still open, then each gets one place and the chain verifies',
    async () => {
      // The slow transaction takes its id first but commits last: it must be sealed after the
      // others, not skipped, and nothing may be sealed twice.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const slow = t.database.db.transaction(async (tx) => {
        await appendAudit(tx, {
          actorType: 'system',
          action: 'test.slow',
          targetType: 'test',
          occurredAt: new Date(),
        });
        await held;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < 3; i++) {
        await t.database.db.transaction((tx) =>
          appendAudit(tx, {
            actorType: 'system',
            action: 'test.fast',
            targetType: 'test',
            targetId: String(i),
            occurredAt: new Date(),
          }),
        );
      }
      await sealAll();
      release();
      await slow;
      await sealAll();
      const rows = await t.database.db.execute<{ id: string; seq: string | null; action: string }>(
        sql`SELECT id, seq, action FROM audit_entries WHERE action IN ('test.slow', 'test.fast') ORDER BY id`,
      );
      expect(rows.rows.map((r) => r.action)).toEqual([
        'test.slow',
        'test.fast',
        'test.fast',
        'test.fast',
      ]);
      expect(rows.rows.every((r) => r.seq !== null)).toBe(true);
      // The slow one, lower id, has the highest place of the four.
      const seqs = rows.rows.map((r) => Number(r.seq));
      expect(seqs[0]).toBeGreaterThan(Math.max(...seqs.slice(1)));
      const result = await verifyAuditChain(t.database.db);
      expect(result).toMatchObject({ ok: true });
    },
  );

  it('when concurrent transactions append, then the chain stays linear', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.database.db.transaction((tx) =>
          appendAudit(tx, {
            actorType: 'system',
            action: 'test.concurrent',
            targetType: 'test',
            targetId: String(i),
            after: { i, nested: { b: 1, a: [2, 'x'] } },
            occurredAt: new Date(),
          }),
        ),
      ),
    );
    await sealAll();
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'when the sealer is running elsewhere, then a second sealer returns at once without sealing',
    async () => {
      await t.database.db.transaction(async (holder) => {
        await holder.execute(sql`SELECT pg_advisory_xact_lock(73012028)`);
        expect(await sealAuditChain(t.database.db)).toEqual({ sealed: 0, busy: true });
      });
    },
  );

  it('when anyone tries to UPDATE, DELETE or TRUNCATE an entry, then the database refuses', async () => {
    const refused = (err: Error & { cause?: Error }) =>
      /append-only/.test(err.cause?.message ?? err.message);
    await expect(
      t.database.db.execute(sql`UPDATE audit_entries SET action = 'x'`),
    ).rejects.toSatisfy(refused);
    await expect(t.database.db.execute(sql`DELETE FROM audit_entries`)).rejects.toSatisfy(refused);
    await expect(t.database.db.execute(sql`TRUNCATE audit_entries`)).rejects.toSatisfy(refused);
  });

  it('when anyone tries to re-seal a sealed entry or to change an entry while sealing it, then the database refuses', async () => {
    const refused = (err: Error & { cause?: Error }) =>
      /append-only/.test(err.cause?.message ?? err.message);
    await new TestClient(t.app).signup(uniqueEmail('reseal'));
    await sealAll();
    await expect(
      t.database.db.execute(
        sql`UPDATE audit_entries SET hash = repeat('a', 64) WHERE seq = (SELECT max(seq) FROM audit_entries)`,
      ),
    ).rejects.toSatisfy(refused);
    // An unsealed entry: sealing it is allowed only with its content unchanged and its own hash.
    await t.database.db
      .transaction(async (tx) => {
        // Held by this transaction, so the app's own sealer leaves the new entry alone.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(73012028)`);
        await appendAudit(tx, {
          actorType: 'system',
          action: 'test.unsealed',
          targetType: 'test',
          occurredAt: new Date(),
        });
        await expect(
          tx.execute(
            sql`SAVEPOINT s; UPDATE audit_entries SET action = 'forged', seq = -1, prev_hash = 'x', hash = 'y' WHERE action = 'test.unsealed'`,
          ),
        ).rejects.toSatisfy(refused);
        await tx.execute(sql`ROLLBACK TO SAVEPOINT s`);
        // With its content unchanged and the hash of that content (version 3, ADR 036), it is.
        await tx.execute(sql`
          UPDATE audit_entries SET seq = -1, prev_hash = 'x', hash = audit_hash_v3('x',
            audit_content_v3(occurred_at, actor_type, actor_id, action, target_type, target_id,
              before, after, stripe_request_id, stripe_event_id, ip_commitment, request_id))
           WHERE action = 'test.unsealed'`);
        tx.rollback();
      })
      .catch((err: Error) => {
        if (!/rollback/i.test(err.message)) throw err;
      });
  });
});

describe('audit chain verification', () => {
  it('when an entry is altered behind the trigger, then verification names that entry', async () => {
    await new TestClient(t.app).signup(uniqueEmail('tamper'));
    await sealAll();
    let outcome: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    let victimId: number | undefined;
    // Inside a transaction that is rolled back, so the shared database is left intact.
    await t.database.db
      .transaction(async (tx) => {
        await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`);
        const victim = await tx.execute<{ id: string }>(
          sql`SELECT id FROM audit_entries WHERE seq = 1`,
        );
        victimId = Number(victim.rows[0]!.id);
        const forged = JSON.stringify({ forged: `${Date.now()}-${Math.random()}` });
        await tx.execute(
          sql`UPDATE audit_entries SET after = ${forged}::jsonb WHERE id = ${victimId}`,
        );
        outcome = await verifyAuditChain(tx);
        tx.rollback();
      })
      .catch((err: Error) => {
        if (!/rollback/i.test(err.message)) throw err;
      });
    expect(outcome).toMatchObject({
      ok: false,
      checked: 0,
      firstBroken: { id: victimId, reason: 'hash_mismatch' },
    });
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });
});

/** Runs `npm run audit:verify`'s entry point with these settings; its exit code and output. */
async function runAuditVerify(env: Record<string, string>) {
  const { execFile } = await import('node:child_process');
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      'npx',
      ['tsx', 'src/cli/audit-verify-main.ts'],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
    );
  });
}

describe('npm run audit:verify', () => {
  it('when the chain is intact, then it says so with exit code 0', async () => {
    const { inject } = await import('vitest');
    const result = await runAuditVerify({
      DATABASE_URL: inject('databaseUrl'),
      // It opens the IPs it checks against their commitments (ADR 027).
      DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
    });
    expect(result.out).toMatch(/Audit chain intact: \d+ entries verified/);
    expect(result.code).toBe(0);
  }, 90_000);

  it('when the database cannot be reached, then one line says where it was looked for, without the password or a stack, and exit code 1', async () => {
    // Nothing listens on port 1. The URL carries a password, which must not be printed.
    const unreachable = new URL('postgres://127.0.0.1:1/paydeck');
    unreachable.username = 'auditor';
    unreachable.password = 'hunter2-secret';
    const result = await runAuditVerify({
      DATABASE_URL: unreachable.toString(),
      DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
    });
    expect(result.code).toBe(1);
    expect(result.out.trim()).toBe(
      'audit:verify could not run: the database at 127.0.0.1:1 is not reachable (ECONNREFUSED). ' +
        'Is PostgreSQL running, and does DATABASE_URL (or .env) name it?',
    );
    expect(result.out).not.toContain('hunter2');
  }, 90_000);
});
