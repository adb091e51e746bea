// Reading the audit log (audit/service.ts, repository.ts) and who an entry names (actor.ts): the
// console's filtered, paged log; a payment's timeline; a customer's own activity in their export;
// and the chain check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, or, sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAppBehindProxy } from '../helpers/app-behind-proxy.ts';
import { asTestApp, startSystem } from '../helpers/system.ts';
import { sealAuditChain } from '../../src/modules/audit/audit-log.ts';
import { aCustomer, aCustomerWithOrder, pay } from '../helpers/builders.ts';
import { eventually } from '../helpers/eventually.ts';
import { anAdmin, anApiKey } from '../helpers/api-keys.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { auditEntries } from '../../src/db/schema.ts';
import type { Db } from '../../src/db/client.ts';
import { AuditService, publicAuditEntry } from '../../src/modules/audit/service.ts';
import { open } from '../../src/lib/personal-data.ts';
import { metrics } from '../../src/lib/metrics.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Entry = ReturnType<typeof publicAuditEntry>;

/** Every entry a user made, oldest first, straight from the table (the IP opened, ADR 027). */
async function entriesBy(actorId: string) {
  const rows = await t.database.db
    .select()
    .from(auditEntries)
    .where(eq(auditEntries.actorId, actorId))
    .orderBy(asc(auditEntries.id));
  return rows.map((r) => ({ ...r, ip: open(r.ip, 'audit_entries.ip') }));
}

/** A customer who signed up, ordered and paid: several entries of their own. */
async function aPayingCustomer() {
  const { client, user, order } = await aCustomerWithOrder(t);
  const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
  expect(paid.statusCode).toBe(200);
  return { client, user, order, payment: paid.json().payment as { id: string } };
}

describe('the console’s audit log', () => {
  let admin: TestClient;
  beforeAll(async () => {
    admin = (await anAdmin(t)).client;
  });
  const list = async (query: string) => {
    const res = await admin.request('GET', `/api/admin/audit?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { data: Entry[]; has_more: boolean };
  };

  it('when filtered by actor, then it lists exactly that actor’s entries, newest first, each shown with every field', async () => {
    const { user } = await aPayingCustomer();
    const rows = await entriesBy(user.id);
    expect(rows.length).toBeGreaterThanOrEqual(3);

    const page = await list(`actor_id=${user.id}`);
    expect(page.has_more).toBe(false);
    expect(page.data).toEqual(rows.reverse().map(publicAuditEntry));
    const created = page.data.find((e) => e.action === 'order.created')!;
    expect(created).toMatchObject({
      actor_type: 'user',
      actor_id: user.id,
      target_type: 'order',
      before: null,
      after: expect.objectContaining({ amount: expect.any(Number) }),
      ip: expect.any(String),
      request_id: expect.stringMatching(/^req_/),
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it('when filtered by actor type, target, target type or action, then each condition narrows the list', async () => {
    const { user, order } = await aPayingCustomer();
    const mine = await list(`actor_id=${user.id}`);

    expect((await list(`actor_id=${user.id}&actor_type=user`)).data).toEqual(mine.data);
    expect((await list(`actor_id=${user.id}&actor_type=admin`)).data).toEqual([]);

    const aboutOrder = await list(`target_id=${order.id}`);
    expect(aboutOrder.data.length).toBeGreaterThan(0);
    expect(aboutOrder.data.every((e) => e.target_id === order.id)).toBe(true);
    expect((await list(`target_type=order&target_id=${order.id}`)).data).toEqual(
      aboutOrder.data.filter((e) => e.target_type === 'order'),
    );
    expect((await list(`target_type=payment&target_id=${order.id}`)).data).toEqual([]);

    const created = await list(`actor_id=${user.id}&action=order.created`);
    expect(created.data.map((e) => [e.action, e.target_id])).toEqual([['order.created', order.id]]);
    const byAction = await list('action=order.created&limit=200');
    expect(byAction.data.length).toBeGreaterThan(0);
    expect(byAction.data.every((e) => e.action === 'order.created')).toBe(true);
    const byType = await list('target_type=order&limit=200');
    expect(byType.data.every((e) => e.target_type === 'order')).toBe(true);
    const byActorType = await list('actor_type=admin&limit=200');
    expect(byActorType.data.length).toBeGreaterThan(0);
    expect(byActorType.data.every((e) => e.actor_type === 'admin')).toBe(true);
  });

  it('when paged, then pages follow each other without overlap, and has_more is true only while entries remain', async () => {
    const { user } = await aPayingCustomer();
    const all = (await list(`actor_id=${user.id}`)).data;
    const n = all.length;
    expect(n).toBeGreaterThanOrEqual(3);

    const first = await list(`actor_id=${user.id}&limit=2`);
    expect(first).toEqual({ data: all.slice(0, 2), has_more: true });
    const rest = await list(`actor_id=${user.id}&limit=${n}&starting_after=${first.data[1]!.id}`);
    expect(rest).toEqual({ data: all.slice(2), has_more: false });
    // A page exactly as long as what is left: nothing more.
    expect(await list(`actor_id=${user.id}&limit=${n}`)).toEqual({ data: all, has_more: false });
    expect(await list(`actor_id=${user.id}&limit=${n - 1}`)).toEqual({
      data: all.slice(0, n - 1),
      has_more: true,
    });
  });

  it('when the chain is checked, then it is intact, and a tampered entry is named', async () => {
    // Something sealed to check, whichever process's sealer has come round yet.
    await aCustomer(t);
    await sealAuditChain(t.database.db);
    const res = await admin.request('POST', '/api/admin/audit/verify');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ok: true,
      checked: expect.any(Number),
      unsealed: expect.any(Number),
      first_broken: null,
    });
    expect(res.json().checked).toBeGreaterThan(0);

    // Inside a transaction that is rolled back, so the shared database is left intact.
    let outcome: Awaited<ReturnType<AuditService['verify']>> | undefined;
    let victimId: number | undefined;
    await t.database.db
      .transaction(async (tx) => {
        await tx.execute(sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`);
        const victim = await tx.execute<{ id: string }>(
          sql`SELECT id FROM audit_entries WHERE seq = 1`,
        );
        victimId = Number(victim.rows[0]!.id);
        await tx.execute(sql`UPDATE audit_entries SET action = 'tampered' WHERE id = ${victimId}`);
        outcome = await new AuditService(tx as unknown as Db).verify();
        tx.rollback();
      })
      .catch((err: Error) => {
        if (!/rollback/i.test(err.message)) throw err;
      });
    expect(outcome).toEqual({
      ok: false,
      checked: 0,
      unsealed: expect.any(Number),
      first_broken: { id: victimId, reason: 'hash_mismatch' },
    });
  });
});

describe('a payment’s timeline in the console', () => {
  it('when a paid and refunded payment is opened, then its timeline holds the entries about the payment, its order and its refunds, oldest first, and nothing else', async () => {
    const { user, order, payment } = await aPayingCustomer();
    const other = await aPayingCustomer();
    const { api } = await anApiKey(t);
    const refund = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 100 },
    });
    expect(refund.statusCode, refund.body).toBe(200);
    const { client: admin } = await anAdmin(t);

    const res = await admin.request('GET', `/api/admin/payments/${payment.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const audit = (res.json().timeline as Array<{ kind: string } & Entry>).filter(
      (e) => e.kind === 'audit',
    );
    const expected = await t.database.db
      .select()
      .from(auditEntries)
      .where(
        or(
          eq(auditEntries.targetId, payment.id),
          eq(auditEntries.targetId, order.id),
          eq(auditEntries.targetId, refund.json().id),
        ),
      )
      .orderBy(asc(auditEntries.id));
    expect(expected.map((e) => e.targetType)).toEqual(
      expect.arrayContaining(['order', 'payment', 'refund']),
    );
    expect(audit.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(audit.some((e) => e.target_id === other.order.id)).toBe(false);
    expect(audit.find((e) => e.action === 'refund.created')).toMatchObject({
      actor_type: 'api_key',
      target_id: refund.json().id,
      before: null,
      after: expect.objectContaining({ amount: 100, order_id: order.id }),
    });
    // An entry that records a change shows the state before it.
    expect(audit.find((e) => e.action === 'refund.succeeded')).toMatchObject({
      before: { status: 'creating', stripe_refund_id: null },
      after: expect.objectContaining({ status: 'succeeded' }),
    });
    expect(user.id).not.toBe(other.user.id);
  });
});

describe('the sealer of a running app', () => {
  it('when entries are written one after another, then each is sealed in turn, and the seals are counted', async () => {
    // A database of its own: on the run's shared one, another test file's process may seal these
    // entries first, and this process's counter would not move.
    const own = await startSystem({ RUN_WORKERS: 'false' });
    try {
      const app = asTestApp(own);
      const sealedBefore = (await metrics.auditEntriesSealed.get()).values[0]?.value ?? 0;
      const placeOf = async (userId: string) =>
        (
          await app.database.db
            .select({ seq: auditEntries.seq })
            .from(auditEntries)
            .where(eq(auditEntries.targetId, userId))
        )[0]?.seq;
      for (let i = 0; i < 2; i++) {
        const { user } = await aCustomer(app);
        // No explicit seal: the app's own sealer must come round again for each.
        await eventually(async () => (await placeOf(user.id)) != null);
      }
      const sealedAfter = (await metrics.auditEntriesSealed.get()).values[0]?.value ?? 0;
      expect(sealedAfter).toBeGreaterThanOrEqual(sealedBefore + 2);
    } finally {
      await own.close();
    }
  }, 60_000);
});

describe('the sealer while the database is away', () => {
  it('when its runs fail because the database is unreachable, then each is counted and logged at debug level, not as an error', async () => {
    const own = await createAppBehindProxy({ env: { LOG_LEVEL: 'debug' } });
    try {
      const failures = async () => (await metrics.auditSealFailures.get()).values[0]?.value ?? 0;
      const before = await failures();
      await own.proxy.cut();
      await eventually(async () => (await failures()) > before);
      const unreachable = own.logs.filter((line) =>
        line.includes('audit sealer: database unreachable'),
      );
      expect(unreachable.length).toBeGreaterThan(0);
      expect(JSON.parse(unreachable[0]!)).toMatchObject({ level: 20, err: expect.anything() });
      expect(own.logs.filter((line) => line.includes('audit sealer failed'))).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('who an entry names', () => {
  it('when an API key, an operator and a customer act, then each entry names its own kind of actor, its IP and its request', async () => {
    const { client: admin, user: operator } = await anAdmin(t);
    const key = await anApiKey(t, undefined, admin);
    const { user: customer, order } = await aCustomerWithOrder(t);
    const refundless = await key.api.request('POST', '/api/v1/orders', {
      body: { customer_id: customer.id, amount: 700, currency: 'usd' },
    });
    expect(refundless.statusCode).toBe(201);

    const [byKey] = await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.targetId, refundless.json().id));
    expect(byKey).toMatchObject({
      actorType: 'api_key',
      actorId: key.id,
      requestId: refundless.headers['x-request-id'],
    });
    expect(byKey!.ip).toBeTruthy();

    const [keyCreated] = await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.targetId, key.id));
    expect(keyCreated).toMatchObject({ actorType: 'admin', actorId: operator!.id });

    const [orderCreated] = await t.database.db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.targetId, order.id));
    expect(orderCreated).toMatchObject({ actorType: 'user', actorId: customer.id });
  });
});

describe('a customer’s own activity (their data export)', () => {
  it('when a customer exports their data, then the activity holds what they did and what was done to their account, and nobody else’s', async () => {
    const { client, user, order } = await aPayingCustomer();
    const other = await aPayingCustomer();
    const res = await client.request('GET', '/api/account/export');
    expect(res.statusCode).toBe(200);
    const activity = res.json().activity as Array<{ action: string; target_id: string }>;
    const expected = await t.database.db
      .select()
      .from(auditEntries)
      .where(or(eq(auditEntries.actorId, user.id), eq(auditEntries.targetId, user.id)));
    expect(activity).toHaveLength(expected.length);
    expect(activity.map((a) => a.action)).toEqual(
      expect.arrayContaining(['account.created', 'order.created']),
    );
    expect(activity.some((a) => a.target_id === order.id)).toBe(true);
    expect(activity.some((a) => a.target_id === other.order.id)).toBe(false);
  });
});
