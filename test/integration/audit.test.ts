import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { TestClient } from '../helpers/http-client.ts';
import { appendAudit, verifyAuditChain } from '../../src/modules/audit/audit-log.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('audit log', () => {
  it('when accounts are created, then each has an entry and the chain verifies', async () => {
    const { user } = await new TestClient(t.app).signup(uniqueEmail('audit'));
    const rows = await t.database.db.execute(
      sql`SELECT action, actor_id, ip FROM audit_entries WHERE target_id = ${user.id}`,
    );
    expect(rows.rows).toEqual([
      { action: 'account.created', actor_id: user.id, ip: expect.any(String) },
    ]);
    const result = await verifyAuditChain(t.database.db);
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThan(0);
  });

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
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });

  it('when anyone tries to UPDATE, DELETE or TRUNCATE an entry, then the database refuses', async () => {
    const refused = (err: Error & { cause?: Error }) =>
      /append-only/.test(err.cause?.message ?? err.message);
    await expect(
      t.database.db.execute(sql`UPDATE audit_entries SET action = 'x'`),
    ).rejects.toSatisfy(refused);
    await expect(t.database.db.execute(sql`DELETE FROM audit_entries`)).rejects.toSatisfy(refused);
    await expect(t.database.db.execute(sql`TRUNCATE audit_entries`)).rejects.toSatisfy(refused);
  });
});

describe('audit chain verification', () => {
  it('when an entry is altered behind the trigger, then verification names that entry', async () => {
    await new TestClient(t.app).signup(uniqueEmail('tamper'));
    let outcome: Awaited<ReturnType<typeof verifyAuditChain>> | undefined;
    let victimId: number | undefined;
    // Inside a transaction that is rolled back, so the shared database is left intact.
    await t.database.db
      .transaction(async (tx) => {
        await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`);
        const victim = await tx.execute<{ id: string }>(
          sql`SELECT id FROM audit_entries ORDER BY id LIMIT 1`,
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
    expect(outcome).toEqual({
      ok: false,
      checked: 0,
      firstBroken: { id: victimId, reason: 'hash_mismatch' },
    });
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });

  it('npm run audit:verify reports an intact chain with exit code 0', async () => {
    const { execFile } = await import('node:child_process');
    const { inject } = await import('vitest');
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        'npx',
        ['tsx', 'src/cli/audit-verify-main.ts'],
        { env: { ...process.env, DATABASE_URL: inject('databaseUrl') } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
      );
    });
    expect(result.out).toMatch(/Audit chain intact: \d+ entries verified/);
    expect(result.code).toBe(0);
  }, 90_000);
});
