// Operators' second factor and session control (issue 12, item 3; ADR 023), against a real
// database through the real app: with OPERATOR_MFA=required an operator without TOTP opens no
// operator route; enrolment issues recovery codes once; sign-in needs the code after the
// password; a code is accepted once; a recovery code works once; sessions are listed and ended
// at once; customers are untouched; every change is audited.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { auditEntries, recoveryCodes } from '../../src/db/schema.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { codeAt } from '../../src/modules/auth/totp.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { TestClient } from '../helpers/http-client.ts';

const PASSWORD = 'an-operator-password';
const STEP_MS = 30_000;

let t: TestApp;
const clock = new ManualClock(new Date());
beforeAll(async () => {
  t = await createTestApp({ clock, env: { OPERATOR_MFA: 'required' } });
});
afterAll(() => t.close());

async function anOperator() {
  const email = uniqueEmail('mfa-ops');
  const user = await t.app.services.auth.createAccount({
    email,
    password: PASSWORD,
    name: 'Mona Factor',
    role: 'admin',
  });
  return { email, id: user!.id };
}

async function signInWithPassword(email: string) {
  const client = new TestClient(t.app);
  const res = await client.request('POST', '/api/auth/login', {
    body: { email, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  return { client, res };
}

/** An operator who enrolled in `client`'s session; the clock is moved past the code used. */
async function anEnrolledOperator() {
  const operator = await anOperator();
  const { client } = await signInWithPassword(operator.email);
  const start = await client.request('POST', '/api/auth/mfa/enrolment');
  expect(start.statusCode, start.body).toBe(200);
  const { secret } = start.json() as { secret: string };
  const confirm = await client.request('POST', '/api/auth/mfa/enrolment/confirm', {
    body: { code: codeAt(secret, clock.now()) },
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  clock.advance(STEP_MS);
  return {
    ...operator,
    client,
    secret,
    recoveryCodes: (confirm.json() as { recovery_codes: string[] }).recovery_codes,
  };
}

async function secondStep(client: TestClient, body: Record<string, string>) {
  return client.request('POST', '/api/auth/login/second-factor', { body });
}

/** The entries about a user, oldest first (the sealer rewrites rows: the table's order is not). */
async function auditOf(userId: string, action: string) {
  return t.database.db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.targetId, userId), eq(auditEntries.action, action)))
    .orderBy(asc(auditEntries.id));
}

describe('OPERATOR_MFA=required', () => {
  it('when an operator has no second factor, then every operator route answers 403 mfa_enrolment_required, and enrolment stays open', async () => {
    const { email } = await anOperator();
    const { client, res } = await signInWithPassword(email);
    expect(res.json()).toMatchObject({
      user: { email, role: 'admin' },
      second_factor_pending: false,
      operator_mfa: { policy: 'required', enrolled: false },
    });
    for (const url of ['/api/admin/payments', '/api/admin/audit', '/api/admin/alerts']) {
      const refused = await client.request('GET', url);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error.code).toBe('mfa_enrolment_required');
    }
    // The access declaration decides, not the URL's spelling.
    const encoded = await client.request('GET', '/api/%61dmin/payments');
    expect(encoded.statusCode).toBe(403);
    expect(encoded.json().error.code).toBe('mfa_enrolment_required');

    const session = (await client.request('GET', '/api/auth/session')).json();
    expect(session.operator_mfa).toEqual({ policy: 'required', enrolled: false });
    expect((await client.request('GET', '/api/auth/mfa')).json()).toMatchObject({
      policy: 'required',
      enrolled: false,
    });
    expect((await client.request('POST', '/api/auth/mfa/enrolment')).statusCode).toBe(200);
  });

  it('when a customer signs in, then nothing asks for a second factor and operator routes stay 403 forbidden', async () => {
    const customer = new TestClient(t.app);
    const email = uniqueEmail('mfa-customer');
    const signup = await customer.request('POST', '/api/auth/signup', {
      body: { email, password: PASSWORD, name: 'Cleo Customer', accept_terms: true },
    });
    expect(signup.json()).toMatchObject({ second_factor_pending: false, operator_mfa: null });
    const fresh = new TestClient(t.app);
    const login = await fresh.request('POST', '/api/auth/login', {
      body: { email, password: PASSWORD },
    });
    expect(login.json()).toMatchObject({ user: { email }, second_factor_pending: false });
    expect((await fresh.request('GET', '/api/orders')).statusCode).toBe(200);
    const admin = await fresh.request('GET', '/api/admin/payments');
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error.code).toBe('forbidden');
    const enrol = await fresh.request('POST', '/api/auth/mfa/enrolment');
    expect(enrol.statusCode).toBe(403);
    expect(enrol.json().error.code).toBe('mfa_not_available');
  });
});

describe('enrolment', () => {
  it('when the confirming code is wrong, then 403 and nothing is on; when right, then 10 recovery codes (only hashes kept), the console opens and other sessions end', async () => {
    const { email, id } = await anOperator();
    const { client } = await signInWithPassword(email);
    const { client: elsewhere } = await signInWithPassword(email);
    const start = await client.request('POST', '/api/auth/mfa/enrolment');
    const body = start.json() as { secret: string; otpauth_uri: string; qr_svg: string };
    expect(body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Paydeck:.+\?.*secret=/);
    expect(body.otpauth_uri).toContain(`secret=${body.secret}`);
    expect(body.qr_svg).toMatch(/^<svg/);

    const wrongCode = String((Number(codeAt(body.secret, clock.now())) + 1) % 1_000_000).padStart(
      6,
      '0',
    );
    const wrong = await client.request('POST', '/api/auth/mfa/enrolment/confirm', {
      body: { code: wrongCode },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: 'mfa_code_invalid', field: 'code' });
    expect((await client.request('GET', '/api/admin/payments')).statusCode).toBe(403);

    const confirm = await client.request('POST', '/api/auth/mfa/enrolment/confirm', {
      body: { code: codeAt(body.secret, clock.now()) },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    const codes = confirm.json().recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(confirm.json().other_sessions_ended).toBe(1);

    expect((await client.request('GET', '/api/admin/payments')).statusCode).toBe(200);
    expect((await elsewhere.request('GET', '/api/auth/session')).json().user).toBeNull();

    const stored = await t.database.db
      .select()
      .from(recoveryCodes)
      .where(eq(recoveryCodes.userId, id));
    expect(stored).toHaveLength(10);
    const storedText = JSON.stringify(stored);
    for (const code of codes) expect(storedText).not.toContain(code);

    expect(await auditOf(id, 'mfa.enrolment_started')).toHaveLength(1);
    const enrolled = await auditOf(id, 'mfa.enrolled');
    expect(enrolled).toHaveLength(1);
    expect(enrolled[0]!.after).toMatchObject({ recovery_codes: 10, other_sessions_ended: 1 });

    const again = await client.request('POST', '/api/auth/mfa/enrolment');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('mfa_already_enrolled');
    clock.advance(STEP_MS);
  });
});

describe('signing in with a second factor', () => {
  it('when the password is right, then the session opens nothing until the code; a wrong code is refused; the right one opens the console', async () => {
    const operator = await anEnrolledOperator();
    const { client, res } = await signInWithPassword(operator.email);
    expect(res.json()).toMatchObject({ user: null, second_factor_pending: true });
    expect(res.json().csrf_token).toEqual(expect.any(String));

    const refused = await client.request('GET', '/api/admin/payments');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('second_factor_required');
    expect((await client.request('GET', '/api/auth/sessions')).statusCode).toBe(401);
    expect((await client.request('GET', '/api/orders')).statusCode).toBe(401);
    expect((await client.request('GET', '/api/auth/session')).json()).toMatchObject({
      user: null,
      second_factor_pending: true,
    });

    const code = codeAt(operator.secret, clock.now());
    // The waiting session has its own CSRF token, required like any cookie-authenticated POST.
    const forged = await client.request('POST', '/api/auth/login/second-factor', {
      body: { code },
      csrf: false,
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf_token_invalid');
    const wrong = await secondStep(client, {
      code: String((Number(code) + 1) % 1_000_000).padStart(6, '0'),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('mfa_code_invalid');
    expect((await client.request('GET', '/api/admin/payments')).statusCode).toBe(401);

    const ok = await secondStep(client, { code });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      user: { email: operator.email, role: 'admin' },
      second_factor_pending: false,
      operator_mfa: { policy: 'required', enrolled: true },
    });
    expect((await client.request('GET', '/api/admin/payments')).statusCode).toBe(200);
    const created = await auditOf(operator.id, 'session.created');
    expect(created.at(-1)!.after).toEqual({ second_factor: 'totp' });
  });

  it('when the waiting session is older than five minutes, then its code is refused', async () => {
    const operator = await anEnrolledOperator();
    const { client } = await signInWithPassword(operator.email);
    clock.advance(5 * 60_000 + 1000);
    const late = await secondStep(client, { code: codeAt(operator.secret, clock.now()) });
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('unauthenticated');
  });

  it('when a code was used once, then it is refused the second time, and the next code works', async () => {
    const operator = await anEnrolledOperator();
    const code = codeAt(operator.secret, clock.now());
    const first = (await signInWithPassword(operator.email)).client;
    expect((await secondStep(first, { code })).statusCode).toBe(200);

    const second = (await signInWithPassword(operator.email)).client;
    const replay = await secondStep(second, { code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('mfa_code_reused');
    expect((await second.request('GET', '/api/admin/payments')).statusCode).toBe(401);

    clock.advance(STEP_MS);
    const next = await secondStep(second, { code: codeAt(operator.secret, clock.now()) });
    expect(next.statusCode, next.body).toBe(200);
  });

  it('when the same code is sent twice at once, then exactly one sign-in gets through', async () => {
    const operator = await anEnrolledOperator();
    const code = codeAt(operator.secret, clock.now());
    const a = (await signInWithPassword(operator.email)).client;
    const b = (await signInWithPassword(operator.email)).client;
    const answers = await Promise.all([secondStep(a, { code }), secondStep(b, { code })]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('when the password was given but not the code, then the sessions list shows that sign-in as waiting', async () => {
    const operator = await anEnrolledOperator();
    await signInWithPassword(operator.email);
    const list = (await operator.client.request('GET', '/api/auth/sessions')).json().data as Array<{
      awaiting_second_factor: boolean;
      current: boolean;
    }>;
    expect(list.filter((s) => s.awaiting_second_factor)).toEqual([
      expect.objectContaining({ current: false }),
    ]);
  });

  it('when a recovery code is used, then it signs in once, is audited, and never again', async () => {
    const operator = await anEnrolledOperator();
    const [recovery] = operator.recoveryCodes;
    const first = (await signInWithPassword(operator.email)).client;
    // Typed in capitals and without dashes, it is still the same code.
    const used = await secondStep(first, {
      recovery_code: recovery!.toUpperCase().replaceAll('-', ''),
    });
    expect(used.statusCode, used.body).toBe(200);
    expect((await first.request('GET', '/api/admin/payments')).statusCode).toBe(200);
    const audited = await auditOf(operator.id, 'mfa.recovery_code_used');
    expect(audited).toHaveLength(1);
    expect(audited[0]!.after).toEqual({ recovery_codes_left: 9 });

    const second = (await signInWithPassword(operator.email)).client;
    const again = await secondStep(second, { recovery_code: recovery! });
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toMatchObject({
      code: 'mfa_code_invalid',
      field: 'recovery_code',
    });
    expect((await second.request('GET', '/api/admin/payments')).statusCode).toBe(401);
  });

  it('when recovery codes are regenerated with a current code, then the old ones stop working and the new ones work', async () => {
    const operator = await anEnrolledOperator();
    const wrong = await operator.client.request('POST', '/api/auth/mfa/recovery-codes', {
      body: { code: '000000' === codeAt(operator.secret, clock.now()) ? '111111' : '000000' },
    });
    expect(wrong.statusCode).toBe(403);
    const res = await operator.client.request('POST', '/api/auth/mfa/recovery-codes', {
      body: { code: codeAt(operator.secret, clock.now()) },
    });
    expect(res.statusCode, res.body).toBe(200);
    const fresh = res.json().recovery_codes as string[];
    expect(fresh).toHaveLength(10);
    expect(await auditOf(operator.id, 'mfa.recovery_codes_regenerated')).toHaveLength(1);

    const old = (await signInWithPassword(operator.email)).client;
    expect((await secondStep(old, { recovery_code: operator.recoveryCodes[0]! })).statusCode).toBe(
      401,
    );
    expect((await secondStep(old, { recovery_code: fresh[0]! })).statusCode).toBe(200);
  });
});

describe('sessions', () => {
  it('when an operator lists sessions, then each shows when, where and what, with this one marked; ending one makes it fail at once', async () => {
    const operator = await anEnrolledOperator();
    const other = (await signInWithPassword(operator.email)).client;
    await other.request('POST', '/api/auth/login/second-factor', {
      body: { code: codeAt(operator.secret, clock.now()) },
    });
    clock.advance(STEP_MS);
    expect((await other.request('GET', '/api/admin/payments')).statusCode).toBe(200);

    const list = await operator.client.request('GET', '/api/auth/sessions', {
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
    });
    expect(list.statusCode, list.body).toBe(200);
    const sessions = list.json().data as Array<{ id: string; current: boolean }>;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      created_at: expect.any(String),
      last_seen_at: expect.any(String),
      device: expect.any(String),
      awaiting_second_factor: false,
    });
    const otherId = sessions.find((s) => !s.current)!.id;

    const revoke = await operator.client.request('DELETE', `/api/auth/sessions/${otherId}`);
    expect(revoke.statusCode, revoke.body).toBe(204);
    const after = await other.request('GET', '/api/admin/payments');
    expect(after.statusCode).toBe(401);
    expect((await operator.client.request('GET', '/api/admin/payments')).statusCode).toBe(200);
    const audited = await auditOf(operator.id, 'session.revoked');
    expect(audited).toHaveLength(1);
    expect(audited[0]!.after).toMatchObject({ session_id: otherId, current: false });

    // Someone else's session id, or one that is gone, is not found.
    expect(
      (await operator.client.request('DELETE', `/api/auth/sessions/${otherId}`)).statusCode,
    ).toBe(404);
  });

  it('when an operator ends every other session, then those fail at once and this one goes on', async () => {
    const { email, id } = await anOperator();
    const { client } = await signInWithPassword(email);
    const a = (await signInWithPassword(email)).client;
    const b = (await signInWithPassword(email)).client;
    const res = await client.request('POST', '/api/auth/sessions/revoke-others');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ sessions_ended: 2 });
    for (const gone of [a, b])
      expect((await gone.request('GET', '/api/auth/session')).json().user).toBeNull();
    expect((await client.request('GET', '/api/auth/session')).json().user).toMatchObject({ email });
    expect(await auditOf(id, 'session.revoked_others')).toHaveLength(1);
  });

  it('when an operator ends another account’s sessions, then they fail at once and it is audited', async () => {
    const admin = await anEnrolledOperator();
    const target = await anOperator();
    const { client: victim } = await signInWithPassword(target.email);
    const res = await admin.client.request('DELETE', `/api/admin/users/${target.id}/sessions`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ sessions_ended: 1 });
    expect((await victim.request('GET', '/api/auth/session')).json().user).toBeNull();
    const audited = await auditOf(target.id, 'session.revoked_by_operator');
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actorId).toBe(admin.id);
    const unknown = await admin.client.request(
      'DELETE',
      '/api/admin/users/00000000-0000-4000-8000-000000000000/sessions',
    );
    expect(unknown.statusCode).toBe(404);
  });
});

describe('npm run admin:reset-mfa', () => {
  const root = path.resolve(import.meta.dirname, '../..');

  it('when an operator lost their device, then the reset removes the second factor, ends their sessions, and they must enrol again', async () => {
    const operator = await anEnrolledOperator();
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src/cli/admin-reset-mfa-main.ts'),
        '--email',
        operator.email,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          DATABASE_URL: inject('databaseUrl'),
          DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
          LOG_LEVEL: 'warn',
        },
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Second factor removed for ${operator.email}`);
    expect((await operator.client.request('GET', '/api/auth/session')).json().user).toBeNull();

    const { client, res } = await signInWithPassword(operator.email);
    expect(res.json()).toMatchObject({
      second_factor_pending: false,
      operator_mfa: { enrolled: false },
    });
    expect((await client.request('GET', '/api/admin/payments')).json().error.code).toBe(
      'mfa_enrolment_required',
    );
    const audited = await auditOf(operator.id, 'mfa.reset');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actorType: 'system', actorId: 'admin-reset-mfa' });
  }, 120_000);
});

describe('rate limits on codes', () => {
  it('when one account’s codes are guessed past the per-account limit, then 429 even with the right code', async () => {
    const limited = await createTestApp({
      clock,
      env: { OPERATOR_MFA: 'required', RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '3' },
    });
    try {
      const email = uniqueEmail('mfa-limit');
      await limited.app.services.auth.createAccount({
        email,
        password: PASSWORD,
        name: 'Lim Ited',
        role: 'admin',
      });
      const client = new TestClient(limited.app);
      await client.request('POST', '/api/auth/login', { body: { email, password: PASSWORD } });
      const { secret } = (await client.request('POST', '/api/auth/mfa/enrolment')).json();
      const confirm = await client.request('POST', '/api/auth/mfa/enrolment/confirm', {
        body: { code: codeAt(secret, clock.now()) },
      });
      expect(confirm.statusCode).toBe(200);
      clock.advance(STEP_MS);
      const guesser = new TestClient(limited.app);
      await guesser.request('POST', '/api/auth/login', { body: { email, password: PASSWORD } });
      const right = codeAt(secret, clock.now());
      const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
      // The enrolment's confirmation counted as one (the same per-account counter, in memory as
      // in Redis); two wrong guesses reach the limit.
      for (let i = 0; i < 2; i++)
        expect((await secondStep(guesser, { code: wrong })).statusCode).toBe(401);
      const blocked = await secondStep(guesser, { code: right });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});

describe('OPERATOR_MFA=optional', () => {
  it('when an operator has no second factor, then the console opens; once they enrol, sign-in still needs the code', async () => {
    const optional = await createTestApp({ clock, env: { OPERATOR_MFA: 'optional' } });
    try {
      const email = uniqueEmail('mfa-optional');
      await optional.app.services.auth.createAccount({
        email,
        password: PASSWORD,
        name: 'Opal Optional',
        role: 'admin',
      });
      const client = new TestClient(optional.app);
      const login = await client.request('POST', '/api/auth/login', {
        body: { email, password: PASSWORD },
      });
      expect(login.json().operator_mfa).toEqual({ policy: 'optional', enrolled: false });
      expect((await client.request('GET', '/api/admin/payments')).statusCode).toBe(200);

      const { secret } = (await client.request('POST', '/api/auth/mfa/enrolment')).json();
      await client.request('POST', '/api/auth/mfa/enrolment/confirm', {
        body: { code: codeAt(secret, clock.now()) },
      });
      clock.advance(STEP_MS);
      const again = new TestClient(optional.app);
      const pending = await again.request('POST', '/api/auth/login', {
        body: { email, password: PASSWORD },
      });
      expect(pending.json()).toMatchObject({ user: null, second_factor_pending: true });
      expect((await again.request('GET', '/api/admin/payments')).statusCode).toBe(401);
    } finally {
      await optional.close();
    }
  });
});
