// Retention, enforced (issue 12, ADR 024): with every period a minute long (idempotency keys: the
// 24 hours they must be kept), the real job handler removes or anonymises exactly the rows past
// their period in each class — rows just inside it, unprocessed events, unsent messages and
// claims in progress stay — records the counts as one audit entry, and leaves the audit chain
// verifiable; the dry run (the service's and the CLI's) counts the same rows and changes nothing.
//
// The job removes whatever is old anywhere in the database, so this file works on a database of
// its own: on the run's shared one it would purge other files' rows.
import { execFile } from 'node:child_process';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import {
  appendAudit,
  sealAuditChain,
  verifyAuditChain,
} from '../../src/modules/audit/audit-log.ts';
import { RETENTION_JOB } from '../../src/modules/retention/jobs.ts';
import type { RetentionReport } from '../../src/modules/retention/service.ts';
import { allJobs } from '../../src/server/runtime.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { freshDatabase } from '../helpers/system.ts';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const retentionEnv = {
  RETENTION_WEBHOOK_PAYLOADS: '60s',
  RETENTION_SENT_OUTBOX: '60s',
  RETENTION_EXPIRED_SESSIONS: '60s',
  RETENTION_IDEMPOTENCY_KEYS: '24h',
  RETENTION_AUDIT_IPS: '60s',
  RETENTION_DELETED_ACCOUNTS: '60s',
  RETENTION_CAUGHT_MAIL: '60s',
  RETENTION_ALERT_NOTIFICATIONS: '60s',
  RETENTION_METRIC_MINUTES: '60s',
  RETENTION_MERCHANT_EVENTS: '60s',
};

const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = new ManualClock(now);
/** Five seconds past a period, and five seconds short of it. */
const expired = (periodMs = MINUTE) => new Date(now.getTime() - periodMs - 5_000);
const inside = (periodMs = MINUTE) => new Date(now.getTime() - periodMs + 5_000);
const future = new Date(now.getTime() + DAY);

let own: { url: string; drop(): Promise<void> } | undefined;
let t: TestApp;
const sql = (text: string, values: unknown[] = []) => t.database.pool.query(text, values);

async function aUser(label: string, deletedAt?: Date): Promise<string> {
  const { rows } = await sql(
    `insert into users (email, name, password_hash, updated_at) values ($1, $2, $3, $4) returning id`,
    deletedAt
      ? [`deleted-${label}@deleted.invalid`, 'Deleted user', '!deleted', deletedAt]
      : [`${label}@example.test`, label, 'hash', now],
  );
  return rows[0].id as string;
}

/** Every row this file seeds, by what should become of it. */
const seeded = {
  events: {} as Record<string, string>,
  outbox: {} as Record<string, number>,
  sessions: {} as Record<string, string>,
  keys: {} as Record<string, string>,
  audit: {} as Record<string, string>,
  acceptances: {} as Record<string, number>,
  mail: {} as Record<string, number>,
  notifications: {} as Record<string, number>,
  merchantEvents: {} as Record<string, string>,
};

async function seed(): Promise<void> {
  const event = async (name: string, status: string, processedAt: Date | null) => {
    await sql(
      `insert into webhook_events (stripe_event_id, type, stripe_created_at, payload, status, created_at, processed_at)
       values ($1, 'payment_intent.succeeded', $2, $3, $4, $2, $5)`,
      [`evt_${name}`, expired(), { id: `evt_${name}`, data: { object: {} } }, status, processedAt],
    );
    seeded.events[name] = `evt_${name}`;
  };
  await event('processedLongAgo', 'processed', expired());
  await event('ignoredLongAgo', 'ignored', expired());
  await event('processedRecently', 'processed', inside());
  await event('neverProcessed', 'received', null);
  await event('failedLongAgo', 'failed', expired());

  const message = async (name: string, sentAt: Date | null) => {
    const { rows } = await sql(
      `insert into outbox (kind, payload, created_at, sent_at) values ('payment.action_required', '{}', $1, $2) returning id`,
      [expired(), sentAt],
    );
    seeded.outbox[name] = Number(rows[0].id);
  };
  await message('sentLongAgo', expired());
  await message('sentRecently', inside());
  await message('neverSent', null);

  const customer = await aUser('customer');
  const session = async (name: string, idle: Date, absolute: Date) => {
    await sql(
      `insert into sessions (id, user_id, csrf_token, idle_expires_at, absolute_expires_at) values ($1, $2, 'csrf', $3, $4)`,
      [`session-${name}`, customer, idle, absolute],
    );
    seeded.sessions[name] = `session-${name}`;
  };
  await session('idleLongAgo', expired(), future);
  await session('absoluteLongAgo', future, expired());
  await session('expiredRecently', inside(), future);
  await session('active', future, future);

  const key = async (name: string, state: string, createdAt: Date) => {
    await sql(
      `insert into idempotency_keys (scope, key, method, path, request_hash, state, response_status, response_body, locked_at, created_at, expires_at)
       values ('user:retention', $1, 'POST', '/x', 'h', $2, 201, '{"name":"Ada"}', $3, $3, $4)`,
      [name, state, createdAt, new Date(createdAt.getTime() + DAY)],
    );
    seeded.keys[name] = name;
  };
  await key('completedLongAgo', 'completed', expired(DAY));
  await key('completedRecently', 'completed', inside(DAY));
  await key('inProgressLongAgo', 'in_progress', expired(DAY));

  const entry = async (name: string, ip: string | null, occurredAt: Date) => {
    await t.database.db.transaction((tx) =>
      appendAudit(tx, {
        actorType: 'user',
        actorId: customer,
        action: `retention.test.${name}`,
        targetType: 'user',
        targetId: customer,
        ip,
        occurredAt,
      }),
    );
    seeded.audit[name] = `retention.test.${name}`;
  };
  await entry('ipLongAgo', '198.51.100.7', expired());
  await entry('ipRecently', '198.51.100.8', inside());
  await entry('noIpLongAgo', null, expired());
  // Written as before ADR 024: the hash covers the IP itself, so the IP must stay.
  await sql(
    `insert into audit_entries (occurred_at, actor_type, action, target_type, ip, hash_version)
     values ($1, 'system', 'retention.test.oldFormula', 'thing', '198.51.100.9', 1)`,
    [expired()],
  );
  seeded.audit.oldFormula = 'retention.test.oldFormula';
  await sealAuditChain(t.database.db);

  const acceptance = async (name: string, userId: string) => {
    const { rows } = await sql(
      `insert into legal_acceptances (user_id, document, version) values ($1, 'terms', '2026-11-01') returning id`,
      [userId],
    );
    seeded.acceptances[name] = Number(rows[0].id);
  };
  await acceptance('deletedLongAgo', await aUser('gone-long-ago', expired()));
  await acceptance('deletedRecently', await aUser('gone-recently', inside()));
  await acceptance('liveAccount', await aUser('still-here'));

  const mail = async (name: string, createdAt: Date) => {
    const { rows } = await sql(
      `insert into caught_mail (from_address, to_addresses, subject, text, created_at) values ('a@x', 'ops@example.test', 's', 't', $1) returning id`,
      [createdAt],
    );
    seeded.mail[name] = Number(rows[0].id);
  };
  await mail('caughtLongAgo', expired());
  await mail('caughtRecently', inside());

  const {
    rows: [alertEvent],
  } = await sql(
    `insert into alert_events (rule_id, kind, summary, created_at) values ('retention_test', 'firing', 's', $1) returning id`,
    [expired()],
  );
  const notification = async (name: string, sentAt: Date | null) => {
    const { rows } = await sql(
      `insert into alert_notifications (event_id, channel, created_at, sent_at) values ($1, 'webhook', $2, $3) returning id`,
      [alertEvent.id, expired(), sentAt],
    );
    seeded.notifications[name] = Number(rows[0].id);
  };
  await notification('sentLongAgo', expired());
  await notification('sentRecently', inside());
  await notification('neverSent', null);

  // Events for the merchant's backend, with their deliveries to one endpoint and the attempts.
  const {
    rows: [endpoint],
  } = await sql(
    `insert into merchant_webhook_endpoints (url, events, secret) values ('https://backend.example/hooks', '["order.paid"]', 'whsec_dGVzdA==') returning id`,
  );
  const merchantEvent = async (
    name: string,
    createdAt: Date,
    delivery?: 'delivered' | 'pending',
  ) => {
    const {
      rows: [row],
    } = await sql(
      `insert into merchant_events (type, data, created_at) values ('order.paid', '{"id":"ord_x"}', $1) returning id`,
      [createdAt],
    );
    seeded.merchantEvents[name] = row.id as string;
    if (!delivery) return;
    const {
      rows: [sent],
    } = await sql(
      `insert into merchant_webhook_deliveries (endpoint_id, event_id, status, attempts, created_at) values ($1, $2, $3, 1, $4) returning id`,
      [endpoint.id, row.id, delivery, createdAt],
    );
    await sql(
      `insert into merchant_webhook_attempts (delivery_id, endpoint_id, attempted_at, duration_ms, request, response_status) values ($1, $2, $3, 12, '{}', $4)`,
      [sent.id, endpoint.id, createdAt, delivery === 'delivered' ? 200 : 500],
    );
  };
  await merchantEvent('deliveredLongAgo', expired(), 'delivered');
  await merchantEvent('noEndpointLongAgo', expired());
  await merchantEvent('retryingLongAgo', expired(), 'pending');
  await merchantEvent('deliveredRecently', inside(), 'delivered');

  for (const [minute, instance] of [
    [expired(), 'old'],
    [inside(), 'recent'],
  ] as const) {
    await sql(
      `insert into stripe_call_minutes (minute, instance, operation, calls, latency_buckets) values ($1, $2, 'paymentIntents.create', 1, '{1}')`,
      [minute, instance],
    );
    await sql(
      `insert into event_count_minutes (minute, instance, name, count) values ($1, $2, 'webhook_signature_failed', 1)`,
      [minute, instance],
    );
  }
}

/** What is left of every seeded row, in one readable shape. */
async function state() {
  const names = <T>(map: Record<string, T>, present: T[]) =>
    Object.entries(map)
      .filter(([, id]) => present.includes(id))
      .map(([name]) => name)
      .sort();
  const events = await sql(
    `select stripe_event_id, payload is not null as has_payload from webhook_events`,
  );
  const withPayload = events.rows.filter((r) => r.has_payload).map((r) => r.stripe_event_id);
  const column = async (query: string) =>
    (await sql(query)).rows.map((r) => Object.values(r)[0] as never);
  const audit = await sql(
    `select action, ip is not null as has_ip, ip_salt is not null as has_salt from audit_entries where action like 'retention.test.%'`,
  );
  return {
    eventRows: names(
      seeded.events,
      events.rows.map((r) => r.stripe_event_id),
    ),
    eventPayloads: names(seeded.events, withPayload),
    outbox: names(seeded.outbox, (await column('select id from outbox')).map(Number)),
    sessions: names(seeded.sessions, await column('select id from sessions')),
    keys: names(seeded.keys, await column('select key from idempotency_keys')),
    auditEntries: names(
      seeded.audit,
      audit.rows.map((r) => r.action),
    ),
    auditIps: names(
      seeded.audit,
      audit.rows.filter((r) => r.has_ip).map((r) => r.action),
    ),
    auditSalts: names(
      seeded.audit,
      audit.rows.filter((r) => r.has_salt).map((r) => r.action),
    ),
    acceptances: names(
      seeded.acceptances,
      (await column('select id from legal_acceptances')).map(Number),
    ),
    mail: names(seeded.mail, (await column('select id from caught_mail')).map(Number)),
    notifications: names(
      seeded.notifications,
      (await column('select id from alert_notifications')).map(Number),
    ),
    stripeCallMinutes: (await column('select instance from stripe_call_minutes')).sort(),
    eventCountMinutes: (await column('select instance from event_count_minutes')).sort(),
    merchantEvents: names(seeded.merchantEvents, await column('select id from merchant_events')),
    // Deliveries and their attempts, by the event they carry.
    merchantDeliveries: names(
      seeded.merchantEvents,
      await column('select event_id from merchant_webhook_deliveries'),
    ),
    merchantAttempts: names(
      seeded.merchantEvents,
      await column(
        'select d.event_id from merchant_webhook_attempts a join merchant_webhook_deliveries d on d.id = a.delivery_id',
      ),
    ),
  };
}

const everythingSeeded = {
  eventRows: [
    'failedLongAgo',
    'ignoredLongAgo',
    'neverProcessed',
    'processedLongAgo',
    'processedRecently',
  ],
  eventPayloads: [
    'failedLongAgo',
    'ignoredLongAgo',
    'neverProcessed',
    'processedLongAgo',
    'processedRecently',
  ],
  outbox: ['neverSent', 'sentLongAgo', 'sentRecently'],
  sessions: ['absoluteLongAgo', 'active', 'expiredRecently', 'idleLongAgo'],
  keys: ['completedLongAgo', 'completedRecently', 'inProgressLongAgo'],
  auditEntries: ['ipLongAgo', 'ipRecently', 'noIpLongAgo', 'oldFormula'],
  auditIps: ['ipLongAgo', 'ipRecently', 'oldFormula'],
  auditSalts: ['ipLongAgo', 'ipRecently'],
  acceptances: ['deletedLongAgo', 'deletedRecently', 'liveAccount'],
  mail: ['caughtLongAgo', 'caughtRecently'],
  notifications: ['neverSent', 'sentLongAgo', 'sentRecently'],
  stripeCallMinutes: ['old', 'recent'],
  eventCountMinutes: ['old', 'recent'],
  merchantEvents: ['deliveredLongAgo', 'deliveredRecently', 'noEndpointLongAgo', 'retryingLongAgo'],
  merchantDeliveries: ['deliveredLongAgo', 'deliveredRecently', 'retryingLongAgo'],
  merchantAttempts: ['deliveredLongAgo', 'deliveredRecently', 'retryingLongAgo'],
};

/** What each class should count: the rows seeded past their period and eligible. */
const expectedCounts = {
  webhook_payloads: 2,
  sent_outbox: 1,
  expired_sessions: 2,
  idempotency_keys: 1,
  audit_ips: 1,
  deleted_accounts: 1,
  caught_mail: 1,
  alert_notifications: 1,
  metric_minutes: 2,
  merchant_events: 2,
};

/** Runs one of our command-line entry points as `npm run` would, with `env` added. */
const run = (entry: string, args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      'npx',
      ['tsx', entry, ...args],
      { env: { ...process.env, DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
    );
  });

const countsOf = (report: RetentionReport) =>
  Object.fromEntries(report.classes.map((c) => [c.name, c.count]));

beforeAll(async () => {
  // A database of its own: the job purges whatever is past its period, other files' rows too.
  // On PostgreSQL a fresh one; without DATABASE_URL, an embedded PGlite of its own (served over
  // the wire protocol, so that the CLI's own process reaches it as well).
  own = await freshDatabase(process.env.DATABASE_URL, 'paydeck_retention');
  if (!own) {
    const embedded = await startEmbeddedDatabase();
    own = { url: embedded.url, drop: () => embedded.close() };
  }
  {
    const database = connectDatabase(own.url, { max: 1 });
    await migrateDatabase(database.pool);
    await database.close();
  }
  t = await createTestApp({
    env: retentionEnv,
    clock,
    ...(own ? { databaseUrl: own.url } : {}),
  });
  await seed();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await own?.drop();
});

// The tests below run in order on the rows seeded once: the dry run first, the job after it.
describe('retention', () => {
  it('when a dry run is asked for, then each class counts exactly its rows past the period, with its cut-off, and nothing changes', async () => {
    const report = await t.app.services.retention.run({ dryRun: true });
    expect(report.dry_run).toBe(true);
    expect(countsOf(report)).toEqual(expectedCounts);
    for (const c of report.classes) {
      const period = c.name === 'idempotency_keys' ? DAY : MINUTE;
      expect(c.cutoff).toBe(new Date(now.getTime() - period).toISOString());
    }
    expect(report.classes.find((c) => c.name === 'audit_ips')!.held).toMatchObject({ count: 1 });
    expect(report.classes.find((c) => c.name === 'merchant_events')!.held).toMatchObject({
      count: 1,
      reason: expect.stringMatching(/retried/),
    });
    expect(await state()).toEqual(everythingSeeded);
    const { rows } = await sql(
      `select count(*)::int as n from audit_entries where action = 'retention.applied'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('when the daily job runs, then exactly the expired rows of each class go, and the rest stay', async () => {
    const job = allJobs(t.app).find((j) => j.name === RETENTION_JOB)!;
    expect(job.schedule).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    await job.handler({} as never, { id: 'test-retention', retryCount: 0 });

    expect(await state()).toEqual({
      // Rows stay: their ids keep duplicates out.
      eventRows: everythingSeeded.eventRows,
      // Payloads go only once processed (or ignored) long enough ago.
      eventPayloads: ['failedLongAgo', 'neverProcessed', 'processedRecently'],
      outbox: ['neverSent', 'sentRecently'],
      sessions: ['active', 'expiredRecently'],
      keys: ['completedRecently', 'inProgressLongAgo'],
      auditEntries: everythingSeeded.auditEntries,
      auditIps: ['ipRecently', 'oldFormula'],
      auditSalts: ['ipRecently'],
      acceptances: ['deletedRecently', 'liveAccount'],
      mail: ['caughtRecently'],
      notifications: ['neverSent', 'sentRecently'],
      stripeCallMinutes: ['recent'],
      eventCountMinutes: ['recent'],
      // An event still being retried stays, with its delivery and log, until the retries end.
      merchantEvents: ['deliveredRecently', 'retryingLongAgo'],
      merchantDeliveries: ['deliveredRecently', 'retryingLongAgo'],
      merchantAttempts: ['deliveredRecently', 'retryingLongAgo'],
    });
  });

  it('when the job has run, then one audit entry records the counts and cut-offs of every class', async () => {
    const { rows } = await sql(
      `select actor_type, actor_id, after from audit_entries where action = 'retention.applied'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_type: 'system', actor_id: 'retention' });
    const classes = rows[0].after.classes as Record<string, { count: number; cutoff: string }>;
    expect(Object.fromEntries(Object.entries(classes).map(([k, v]) => [k, v.count]))).toEqual(
      expectedCounts,
    );
    expect(classes.webhook_payloads!.cutoff).toBe(new Date(now.getTime() - MINUTE).toISOString());
    expect(classes.audit_ips).toMatchObject({ effect: 'ip erased', held: 1 });
  });

  it('when a settled event has lost its payload, then an operator replaying it is told why, and nothing is queued', async () => {
    const queued = t.jobs.length;
    await expect(
      t.app.services.webhooks.replay(seeded.events.processedLongAgo!, {
        type: 'admin',
        id: 'operator',
        ip: null,
        requestId: null,
      }),
    ).rejects.toMatchObject({ status: 409, code: 'webhook_payload_deleted' });
    expect(t.jobs.length).toBe(queued);
    const { rows } = await sql(`select status from webhook_events where stripe_event_id = $1`, [
      seeded.events.processedLongAgo,
    ]);
    expect(rows[0].status).toBe('processed');
  });

  it('when the job runs again, then it finds nothing left and records zeros', async () => {
    const report = await t.app.services.retention.run({ dryRun: false });
    expect(Object.values(countsOf(report)).every((n) => n === 0)).toBe(true);
  });

  it('when the job works in small batches, then it still goes through everything past the period', async () => {
    clock.set(new Date(now.getTime() + 10 * MINUTE));
    try {
      const dry = await t.app.services.retention.run({ dryRun: true });
      expect(countsOf(dry).webhook_payloads).toBe(1);
      expect(countsOf(dry).sent_outbox).toBe(1);
      // The batch size is a constructor option: a service like the app's, with batches of one.
      const { RetentionService } = await import('../../src/modules/retention/service.ts');
      const s = t.app.services;
      const small = new RetentionService({
        db: t.database.db,
        clock,
        logger: t.app.log as never,
        settings: t.config.retention,
        webhooks: s.webhooks,
        emails: s.customerEmails,
        sessions: s.sessions,
        idempotency: s.idempotency,
        audit: s.audit,
        auth: s.auth,
        alerts: s.alerts,
        dashboard: s.dashboard,
        merchantWebhooks: s.merchantWebhooks,
        batchSize: 1,
      });
      const report = await small.run({ dryRun: false });
      expect(countsOf(report)).toEqual(countsOf(dry));
      expect((await state()).sessions).toEqual(['active']);
    } finally {
      clock.set(now);
    }
  });

  it('when IPs have been erased, then the chain verifies; changing a chained field of an erased entry still breaks it', async () => {
    await sealAuditChain(t.database.db);
    expect(await verifyAuditChain(t.database.db)).toMatchObject({ ok: true });
    const verify = await run('src/cli/audit-verify-main.ts', [], {
      DATABASE_URL: own?.url ?? t.config.databaseUrl!,
    });
    expect(verify.out).toMatch(/Audit chain intact: \d+ entries verified/);
    expect(verify.code).toBe(0);

    // The database refuses anything but the erasure itself: not an old-formula IP, not content.
    await expect(
      sql(`update audit_entries set ip = null where action = 'retention.test.oldFormula'`),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql(
        `update audit_entries set action = 'x', ip = null, ip_salt = null where action = 'retention.test.ipRecently'`,
      ),
    ).rejects.toThrow(/append-only/);

    // Someone who can switch the trigger off changes the erased entry's actor.
    await sql(`alter table audit_entries disable trigger audit_entries_append_only`);
    try {
      const {
        rows: [victim],
      } = await sql(
        `update audit_entries set actor_id = 'someone-else' where action = 'retention.test.ipLongAgo' returning id`,
      );
      expect(await verifyAuditChain(t.database.db)).toMatchObject({
        ok: false,
        firstBroken: { id: Number(victim.id), reason: 'hash_mismatch' },
      });
    } finally {
      await sql(`alter table audit_entries enable trigger audit_entries_append_only`);
    }
  }, 90_000);
});

describe('npm run retention', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        'npx',
        ['tsx', 'src/cli/retention-main.ts', ...args],
        { env: { ...process.env, DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS, ...env } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
      );
    });

  it('when run with --dry-run, then it prints each class with its period, cut-off and count, and changes nothing', async () => {
    const before = await state();
    const result = await cli(['--dry-run'], {
      ...retentionEnv,
      DATABASE_URL: own?.url ?? t.config.databaseUrl!,
    });
    expect(result.out).toMatch(/Retention dry run at .*: nothing was changed\./);
    // One line per class: name, period, cut-off, count, effect.
    const classLines = result.out
      .split('\n')
      .map((line) => line.split(/\s{2,}/))
      .filter((cells) => cells[0]! in expectedCounts);
    expect(classLines.map((cells) => cells[0])).toEqual(Object.keys(expectedCounts));
    for (const [, period, cutoff, count] of classLines) {
      expect(period).toMatch(/^\d+ (second|minute|hour|day)s?$/);
      expect(new Date(cutoff!).toISOString()).toBe(cutoff);
      expect(count).toMatch(/^\d+$/);
    }
    expect(result.out).toMatch(/^webhook_payloads\s+1 minute\s/m);
    expect(result.out).toMatch(/^idempotency_keys\s+1 day\s/m);
    expect(result.code).toBe(0);
    expect(await state()).toEqual(before);
  }, 90_000);

  it('when given an unknown option, then it says how to use it and exits 2', async () => {
    const result = await cli(['--dryrun'], { DATABASE_URL: 'postgres://unused' });
    expect(result.out).toContain('usage: npm run retention');
    expect(result.code).toBe(2);
  }, 90_000);
});

describe('the Privacy Policy', () => {
  it('when periods are configured, then the policy page states those periods', async () => {
    const res = await t.app.inject('/api/legal/privacy');
    expect(res.statusCode).toBe(200);
    const body = res.json().body as string;
    expect(body).toContain('are kept 1 minute after we processed them');
    expect(body).toContain('is deleted 1 day after the request');
    expect(body).toContain('Messages we sent you are deleted 1 minute after sending');
    expect(body).toContain('erased from our records after 1 minute');
    expect(body).toContain('is kept 1 minute as proof of our agreement');
    expect(body).toContain('are deleted 1 minute after they expire');
    expect(body).toContain('end after 30 minutes without activity and after 12 hours at most');
    expect(body).toContain('we keep no copy');
  });
});
