// The database watch in a real app (src/modules/alerts/plugin.ts): PostgreSQL taken away through
// a TCP proxy. With ALERT_DATABASE_DOWN_SECONDS=5 the chat webhook must get one "FIRING" while
// the database is gone and one "RESOLVED" once it is back, and both transitions must then be in
// the rule's history and the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { alertEvents, auditEntries } from '../../src/db/schema.ts';
import { createAppBehindProxy, type AppBehindProxy } from '../helpers/app-behind-proxy.ts';
import { startHttpReceiver } from '../helpers/receivers.ts';
import { eventually, sleep } from '../helpers/eventually.ts';

let t: AppBehindProxy;
let chat: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  chat = await startHttpReceiver();
  t = await createAppBehindProxy({
    env: { ALERT_WEBHOOK_URL: chat.url, ALERT_DATABASE_DOWN_SECONDS: '5' },
  });
});
afterAll(async () => {
  await t.close();
  await chat.close();
});

const texts = () => chat.bodies.map((b) => (b as { text: string }).text);

describe('the database watch', () => {
  it('when the database is gone past the threshold, then one chat message says so, and one more when it is back; both are recorded', async () => {
    const startedAt = new Date();
    await t.proxy.cut();
    const fired = await eventually(
      () => texts().find((x) => /FIRING.*database is unreachable/i.test(x)),
      250,
    );
    expect(fired).toMatch(/has not answered for \d+ s/);
    // Still gone: no second message.
    await sleep(3000);
    expect(texts()).toHaveLength(1);

    await t.proxy.restore();
    const resolved = await eventually(
      () => texts().find((x) => /RESOLVED.*database is unreachable/i.test(x)),
      250,
    );
    expect(resolved).toMatch(/answers again after \d+ s/);
    expect(texts()).toHaveLength(2);

    const events = await eventually(async () => {
      const rows = await t.database.db
        .select()
        .from(alertEvents)
        .where(eq(alertEvents.ruleId, 'database_unreachable'));
      const mine = rows.filter((r) => r.createdAt >= startedAt);
      return mine.length === 2 && mine;
    }, 250);
    expect(events.map((e) => e.kind).sort()).toEqual(['firing', 'resolved']);
    const audit = await t.database.db
      .select({ action: auditEntries.action })
      .from(auditEntries)
      .where(
        and(
          eq(auditEntries.targetType, 'alert'),
          eq(auditEntries.targetId, 'database_unreachable'),
        ),
      );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['alert.firing', 'alert.resolved']),
    );
  }, 60_000);
});
