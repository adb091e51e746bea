// Issue 12, item 1, its own test: personal data at rest (ADR 027). A whole system (start-up,
// pg-boss jobs, Stripe's webhooks from the simulator) on a database of its own; a customer with a
// unique email and name signs up and pays from a distinctive client IP. Then a pg_dump of that
// database must not hold the email, the name or the IP in plain text, while sign-in, the console's
// search by email and by name, and the customer's export still work. Then `npm run keys:rotate`
// moves everything to a new key, the old key leaves the ring, and all of it still works — and
// `npm run audit:verify` still passes.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { anAdmin, anApiKey } from '../helpers/api-keys.ts';
import type { TestApp } from '../helpers/app.ts';
import { aProduct, newKey } from '../helpers/builders.ts';
import { TestClient } from '../helpers/http-client.ts';
import { ringKey } from '../helpers/keys.ts';
import { asTestApp, freshDatabase, startSystem, type RunningSystem } from '../helpers/system.ts';
import { sealAuditChain } from '../../src/modules/audit/audit-log.ts';
import { walkEncryptedTables } from '../../src/db/key-rotation.ts';

const serverUrl = process.env.DATABASE_URL;
const OLD_KEY = ringKey('old', 'the key before the rotation');
const NEW_KEY = ringKey('new', 'the key after the rotation');

/** A browser at a distinctive address (behind a trusted proxy that says so). */
class ClientAt extends TestClient {
  constructor(
    app: TestApp['app'],
    private readonly ip: string,
  ) {
    super(app);
  }
  override request(...[method, url, options = {}]: Parameters<TestClient['request']>) {
    return super.request(method, url, {
      ...options,
      headers: { ...options.headers, 'x-forwarded-for': this.ip },
    });
  }
}

function run(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', entry, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

function pgDump(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('pg_dump', ['--no-owner', url], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

const unique = newKey('enc').replace(/[^a-z0-9]/g, '');
// Letters only in the name's words: it is searched by whole words.
const letters = (n: number) =>
  [...String(Date.now() + process.pid * 1000).slice(-n)]
    .map((d) => 'qwertzuiop'[Number(d)])
    .join('');
const customer = {
  email: `ottoline.${unique}@encrypted.example`,
  password: 'a-long-enough-password',
  name: `Ottoline Vantablack${letters(6)}`,
};
const ip = `203.0.113.${(process.pid % 200) + 23}`;

let database: Awaited<ReturnType<typeof freshDatabase>>;
let system: RunningSystem | undefined;

async function start(keys: string): Promise<TestApp> {
  system = await startSystem({
    DATABASE_URL: database!.url,
    DATA_ENCRYPTION_KEYS: keys,
    TRUST_PROXY: 'true',
    SEED_DEMO_DATA: 'false',
  });
  return asTestApp(system);
}

async function stop(): Promise<void> {
  const app = system?.paydeck.app;
  if (app) await sealAuditChain(system!.paydeck.infra.database.db);
  await system?.paydeck.close();
  await system?.simulator.close();
  system = undefined;
}

/** Everything the issue says must keep working: sign-in, console search, export. */
async function itStillWorks(t: TestApp, userId: string) {
  const client = new ClientAt(t.app, ip);
  const login = await client.request('POST', '/api/auth/login', {
    body: { email: customer.email.toUpperCase(), password: customer.password },
  });
  expect(login.statusCode, login.body).toBe(200);
  expect(login.json().user).toMatchObject({ email: customer.email, name: customer.name });

  const { client: admin } = await anAdmin(t);
  const byEmail = await admin.request(
    'GET',
    `/api/admin/customers?q=${encodeURIComponent(customer.email)}`,
  );
  expect(byEmail.statusCode, byEmail.body).toBe(200);
  expect(byEmail.json().data).toEqual([
    expect.objectContaining({ id: userId, email: customer.email, name: customer.name }),
  ]);
  const lastWord = customer.name.split(' ')[1]!;
  const byName = await admin.request(
    'GET',
    `/api/admin/customers?q=${encodeURIComponent(lastWord.toUpperCase())}`,
  );
  expect(byName.json().data.map((c: { id: string }) => c.id)).toEqual([userId]);
  const payments = await admin.request(
    'GET',
    `/api/admin/payments?customer_email=${encodeURIComponent(customer.email)}`,
  );
  expect(payments.json().data).toEqual([
    expect.objectContaining({ customer_email: customer.email, status: 'succeeded' }),
  ]);

  const exported = await client.request('GET', '/api/account/export');
  expect(exported.statusCode).toBe(200);
  const data = exported.json();
  expect(data.profile).toMatchObject({ email: customer.email, name: customer.name });
  expect(data.sessions.map((s: { ip: string }) => s.ip)).toContain(ip);
  expect(data.legal_acceptances.map((a: { ip: string }) => a.ip)).toContain(ip);
  expect(data.activity.map((a: { ip: string | null }) => a.ip)).toContain(ip);
}

async function expectNoPlainPersonalData(dump: string) {
  expect(dump).toContain('COPY public.users');
  for (const value of [customer.email, customer.name, customer.name.split(' ')[1]!, ip])
    expect(dump.includes(value), `${value} is in the dump in plain text`).toBe(false);
}

describe.skipIf(!serverUrl)('personal data encrypted at rest (issue 12, item 1)', () => {
  let userId: string;

  beforeAll(async () => {
    database = await freshDatabase(serverUrl, 'paydeck_enc');
  });
  afterAll(async () => {
    await stop();
    await database?.drop();
  });

  it('when a customer signs up and pays, then a pg_dump holds neither their email, name nor IP, and sign-in, search and export work', async () => {
    const t = await start(OLD_KEY);
    const client = new ClientAt(t.app, ip);
    const signup = await client.request('POST', '/api/auth/signup', {
      body: { ...customer, accept_terms: true },
    });
    expect(signup.statusCode, signup.body).toBe(201);
    userId = signup.json().user.id;
    // The merchant's backend listens for customer.created and order events (its secret too).
    const { api } = await anApiKey(t);
    const endpoint = await api.request('POST', '/api/v1/webhook_endpoints', {
      body: { url: 'http://127.0.0.1:9/hooks', events: ['customer.created', 'order.paid'] },
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    const secret = endpoint.json().secret as string;

    const product = await aProduct(t, 4200);
    const order = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1 }] },
    });
    expect(order.statusCode, order.body).toBe(201);
    const paid = await client.request('POST', `/api/orders/${order.json().id}/pay`, {
      body: { payment_method_id: 'pm_card_visa', save_payment_method: true },
      headers: { 'idempotency-key': newKey('pay') },
    });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().payment.status).toBe('succeeded');
    // Stripe's events are in and processed; the merchant's events are stored.
    await expect
      .poll(
        async () =>
          (
            await t.database.db.execute<{ n: number }>(
              sql`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'processed'`,
            )
          ).rows[0]!.n,
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);

    await itStillWorks(t, userId);
    await stop();

    const dump = await pgDump(database!.url);
    await expectNoPlainPersonalData(dump);
    expect(dump).not.toContain(secret);
    expect(dump).toMatch(/pd1\.old\./);
  }, 120_000);

  it('when keys:rotate moves everything to a new key (interrupted once) and the old key leaves the ring, then all of it still works and audit:verify passes', async () => {
    // An interrupted walk (one batch), then the command resumes it.
    const t = await start(`${NEW_KEY},${OLD_KEY}`);
    const first = await walkEncryptedTables(t.database.db, 'rotate', { maxBatches: 1 });
    expect(first.interrupted).toBe(true);
    const progress = await t.database.db.execute<{ task: string; done: boolean }>(
      sql`SELECT task, done_at IS NOT NULL AS done FROM data_encryption_progress
           WHERE task LIKE 'rotate:%' ORDER BY task`,
    );
    expect(progress.rows).toEqual([{ task: 'rotate:users', done: true }]);
    await stop();

    const rotated = await run('src/cli/keys-rotate-main.ts', [], {
      DATABASE_URL: database!.url,
      DATA_ENCRYPTION_KEYS: `${NEW_KEY},${OLD_KEY}`,
    });
    expect(rotated.out).toMatch(/No value names a key other than "new": "old" may now leave/);
    expect(rotated.code).toBe(0);
    // users was finished by the interrupted walk: the command did not walk it again.
    expect(rotated.out).not.toMatch(/users: \d+ rows walked/);
    expect(rotated.out).toMatch(/sessions: \d+ rows walked, [1-9]\d* re-encrypted/);

    const dump = await pgDump(database!.url);
    await expectNoPlainPersonalData(dump);
    expect(dump).not.toMatch(/pd1\.old\./);
    // Blind indexes under the old key are gone. A checkout link's token in a stored order
    // snapshot (`?token=<expiry>.old.<mac>`, ADR 030) may stay: it protects no data, and with the
    // old key out of the ring the link is simply void.
    expect(dump.replaceAll(/\?token=\d+\.old\.[A-Za-z0-9_-]{43}/g, '')).not.toMatch(
      /\bold\.[A-Za-z0-9_-]{43}\b/,
    );

    const after = await start(NEW_KEY);
    await itStillWorks(after, userId);
    await stop();

    const verify = await run('src/cli/audit-verify-main.ts', [], {
      DATABASE_URL: database!.url,
      DATA_ENCRYPTION_KEYS: NEW_KEY,
    });
    expect(verify.out).toMatch(/Audit chain intact: \d+ entries verified/);
    expect(verify.code).toBe(0);
  }, 180_000);
});
