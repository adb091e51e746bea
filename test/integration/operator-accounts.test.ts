// Accounts in production (issue 12, item 3, part): the first operator comes from
// `npm run admin:create` (the real entry point, run as a process against the run's database), and
// every account can change its password — the current one required, every other session ended.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEntries } from '../../src/db/schema.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { TestClient } from '../helpers/http-client.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const root = path.resolve(import.meta.dirname, '../..');

function adminCreate(args: string[], stdin: string) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/admin-create-main.ts'), ...args],
    {
      cwd: root,
      input: stdin,
      encoding: 'utf8',
      env: {
        ...process.env,
        DATABASE_URL: inject('databaseUrl'),
        DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
        LOG_LEVEL: 'warn',
      },
      timeout: 150_000,
    },
  );
}

describe('npm run admin:create', () => {
  it('when given an email, a name and a password on stdin, then the operator exists and can open the console API', async () => {
    const email = uniqueEmail('ops');
    const run = adminCreate(
      ['--email', email, '--name', 'Olga Ops', '--password-stdin'],
      'a-strong-operator-pass\n',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Operator created: ${email}`);

    const client = new TestClient(t.app);
    const login = await client.request('POST', '/api/auth/login', {
      body: { email, password: 'a-strong-operator-pass' },
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().user).toMatchObject({ email, name: 'Olga Ops', role: 'admin' });
    expect((await client.request('GET', '/api/admin/alerts')).statusCode).toBe(200);

    const again = adminCreate(
      ['--email', email, '--name', 'Someone Else', '--password-stdin'],
      'another-strong-pass\n',
    );
    expect(again.status).toBe(3);
    expect(again.stderr).toContain('exists already');
  }, 300_000);

  it('when the input is bad, then it exits 2 naming the problem, and creates nothing', () => {
    const short = adminCreate(
      ['--email', uniqueEmail('ops'), '--name', 'Ops', '--password-stdin'],
      'short\n',
    );
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('The password needs 12 to 256 characters.');
    const email = adminCreate(
      ['--email', 'not-an-address', '--name', 'Ops', '--password-stdin'],
      'long-enough-password\n',
    );
    expect(email.status).toBe(2);
    expect(email.stderr).toContain('Not an email address');
    const unknown = adminCreate(['--mail', 'x'], '');
    expect(unknown.status).toBe(2);
  }, 300_000);
});

describe('changing a password', () => {
  async function twoSessions() {
    const email = uniqueEmail('pw');
    const here = new TestClient(t.app);
    await here.signup(email, 'the-first-password');
    const elsewhere = new TestClient(t.app);
    const login = await elsewhere.request('POST', '/api/auth/login', {
      body: { email, password: 'the-first-password' },
    });
    expect(login.statusCode).toBe(200);
    return { email, here, elsewhere };
  }

  it('when the current password is right, then it changes, every other session ends, this one goes on, and it is audited', async () => {
    const { email, here, elsewhere } = await twoSessions();
    const res = await here.request('POST', '/api/auth/password', {
      body: { current_password: 'the-first-password', new_password: 'the-second-password' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ other_sessions_ended: 1 });

    expect((await elsewhere.request('GET', '/api/auth/session')).json().user).toBeNull();
    expect((await here.request('GET', '/api/auth/session')).json().user).toMatchObject({ email });

    const fresh = new TestClient(t.app);
    expect(
      (
        await fresh.request('POST', '/api/auth/login', {
          body: { email, password: 'the-first-password' },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await fresh.request('POST', '/api/auth/login', {
          body: { email, password: 'the-second-password' },
        })
      ).statusCode,
    ).toBe(200);

    const userId = (await here.request('GET', '/api/auth/session')).json().user.id as string;
    const audit = await t.database.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.action, 'password.changed'), eq(auditEntries.targetId, userId)));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toEqual({ other_sessions_ended: 1 });
  });

  it('when the current password is wrong, then 403 and nothing changes', async () => {
    const { email, here, elsewhere } = await twoSessions();
    const res = await here.request('POST', '/api/auth/password', {
      body: { current_password: 'not-the-password', new_password: 'the-second-password' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'password_invalid', field: 'current_password' });
    expect((await elsewhere.request('GET', '/api/auth/session')).json().user).toMatchObject({
      email,
    });
  });

  it('when the new password is too short or the same, or the body is odd, then 400 naming the field', async () => {
    const { here } = await twoSessions();
    const short = await here.request('POST', '/api/auth/password', {
      body: { current_password: 'the-first-password', new_password: 'short' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('new_password');
    const same = await here.request('POST', '/api/auth/password', {
      body: { current_password: 'the-first-password', new_password: 'the-first-password' },
    });
    expect(same.statusCode).toBe(400);
    expect(same.json().error).toMatchObject({ code: 'password_unchanged', field: 'new_password' });
    expect((await here.request('POST', '/api/auth/password', { body: null })).statusCode).toBe(400);
  });

  it('when nobody is signed in, then 401', async () => {
    const res = await new TestClient(t.app).request('POST', '/api/auth/password', {
      body: { current_password: 'x', new_password: 'the-second-password' },
    });
    expect(res.statusCode).toBe(401);
  });
});
