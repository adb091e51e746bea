// The system under chaos: the Paydeck server as its own process (so it can be killed with -9),
// the Stripe simulator in this process (Stripe outlives our crashes), and PostgreSQL behind a TCP
// proxy (so the database can be cut). Traffic goes only to 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { aDatabaseOfItsOwn, freePort } from '../helpers/system.ts';
import { endpointFile } from '../../src/modules/webhooks/registration.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';

export const SIM_SECRET_KEY = 'sk_test_paydeck_chaos';

/** SIGKILL to the process and everything it started (with `npm start`, npm and the server). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is already gone
  }
}

export interface Answer {
  status: number;
  json: Record<string, unknown> | null;
  headers: Headers;
}

export interface ChaosSystem {
  sim: SimulatorHandle;
  proxy: TcpProxy;
  /** The system's own database, directly (not through the proxy): for checks. */
  db: pg.Pool;
  databaseUrl: string;
  baseUrl: string;
  /** Everything the server processes printed. */
  log(): string;
  call(
    method: string,
    url: string,
    options?: {
      body?: unknown;
      headers?: Record<string, string>;
      raw?: string;
      timeoutMs?: number;
    },
  ): Promise<Answer>;
  /** Whether the server process is running (it was not killed and did not exit). */
  alive(): boolean;
  /** Kills the server with SIGKILL and waits for it to be gone. */
  kill(): Promise<void>;
  /**
   * Sends SIGTERM to the process that was started (`npm` itself when launched with `npm start`)
   * and waits for it to exit: its exit code and how long it took.
   */
  terminate(): Promise<{ code: number | null; signal: string | null; seconds: number }>;
  /** Starts the server (again) and waits until /readyz answers 200. */
  start(): Promise<void>;
  /** The webhook signing secret the server registered at the simulator. */
  webhookSecret(): string;
  close(): Promise<void>;
}

/**
 * How the server is started: `node` runs src/server/main.ts through tsx (quick, for most
 * scenarios); `npm-start` runs `npm start` as a user does — the compiled build, built first when
 * stale — so that signals go to the process a container runtime or systemd would signal.
 */
export type Launch = 'node' | 'npm-start';

export async function startChaosSystem(options: {
  databaseServerUrl: string | undefined;
  env?: Record<string, string>;
  launch?: Launch;
}): Promise<ChaosSystem> {
  const launch = options.launch ?? 'node';
  const sim = await startSimulator({ port: 0, quiet: true, webhookRetryBaseMs: 200 });
  const database = await aDatabaseOfItsOwn('paydeck_chaos', options.databaseServerUrl);
  const databaseUrl = database.url;
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy(
    { host: target.hostname, port: Number(target.port || 5432) },
    { maxConnections: 200 },
  );
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  let output = '';
  // An idle connection of this checking pool can be ended under it (a loaded PostgreSQL, the
  // database dropped at close). Without a listener the pool's 'error' would be an uncaught
  // exception in the test process; the next query opens a new connection anyway.
  db.on('error', (err) => (output += `[chaos] checking pool: ${err.message}\n`));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paydeck-chaos-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;

  function spawnServer(): ChildProcess {
    const [command, args] =
      launch === 'npm-start'
        ? ['npm', ['start', '--silent']]
        : [process.execPath, ['--import', 'tsx', path.resolve('src/server/main.ts')]];
    const child = spawn(command, args, {
      env: {
        PATH: process.env.PATH ?? '',
        ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://localhost:${port}`,
        DATABASE_URL: proxy.rewrite(databaseUrl),
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
        DATA_DIR: dataDir,
        // The ring the checking process opens audit IPs with (integrity.ts; ADR 027).
        DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
        STRIPE_SECRET_KEY: SIM_SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_chaos',
        STRIPE_API_BASE: sim.url,
        STRIPE_JS_URL: `${sim.url}/v3/`,
        STRIPE_SIMULATED: 'true',
        // Short Stripe timeouts so an injected timeout ends a request quickly.
        STRIPE_TIMEOUT_MS: '2000',
        SEED_DEMO_DATA: 'true',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_AUTH_PER_MINUTE: '100000',
        RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '100000',
        RATE_LIMIT_PAY_PER_MINUTE: '100000',
        RATE_LIMIT_ADD_CARD_PER_HOUR: '100000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that a kill reaches the server npm started too, not only npm.
      detached: true,
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Never leave a server running behind us, whatever ends this process.
    const reap = () => killGroup(child);
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    return child;
  }

  /** One request; a 429 is waited out (Retry-After) and sent again, as a well-behaved client does. */
  async function call(
    method: string,
    url: string,
    callOptions: {
      body?: unknown;
      headers?: Record<string, string>;
      raw?: string;
      timeoutMs?: number;
    } = {},
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await callOnce(method, url, callOptions);
      if (answer.status !== 429 || attempt >= 20) return answer;
      await new Promise((resolve) =>
        setTimeout(resolve, 1000 * Number(answer.headers.get('retry-after') ?? 1)),
      );
    }
  }

  async function callOnce(
    method: string,
    url: string,
    callOptions: {
      body?: unknown;
      headers?: Record<string, string>;
      raw?: string;
      timeoutMs?: number;
    },
  ): Promise<Answer> {
    const body =
      callOptions.raw ??
      (callOptions.body !== undefined ? JSON.stringify(callOptions.body) : undefined);
    const res = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...callOptions.headers,
      },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(callOptions.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, headers: res.headers };
  }

  const system: ChaosSystem = {
    sim,
    proxy,
    db,
    databaseUrl,
    baseUrl,
    log: () => output,
    alive: () => server !== undefined && server.exitCode === null && server.signalCode === null,
    call,
    async kill() {
      if (!server) return;
      const child = server;
      server = undefined;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        killGroup(child);
        await exited;
      }
    },
    async terminate() {
      const child = server;
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error('the server is not running');
      const sent = Date.now();
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      server = undefined;
      return { code, signal, seconds: (Date.now() - sent) / 1000 };
    },
    async start() {
      server = spawnServer();
      // `npm start` builds first when the build is stale (about a minute on two cores).
      const deadline = Date.now() + (launch === 'npm-start' ? 400_000 : 120_000);
      while (Date.now() < deadline) {
        if (server.exitCode !== null)
          throw new Error(`the server exited at start:\n${output.slice(-3000)}`);
        try {
          // Ready, and the webhook endpoint registered at the simulator (its secret is written
          // to DATA_DIR just after start-up; a loaded machine can be slower than /readyz).
          if (
            (await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).ok &&
            // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own temporary DATA_DIR
            existsSync(endpointFile(dataDir))
          )
            return;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`the server did not become ready:\n${output.slice(-3000)}`);
    },
    webhookSecret() {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own temporary DATA_DIR
      return (JSON.parse(readFileSync(endpointFile(dataDir), 'utf8')) as { secret: string }).secret;
    },
    async close() {
      await system.kill();
      await sim.close();
      await proxy.close();
      await db.end();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await system.start();
  return system;
}

/** A browser-like session: the cookie and CSRF token headers. */
export async function signIn(
  system: ChaosSystem,
  email: string,
  password: string,
  signup = false,
): Promise<Record<string, string>> {
  const res = await fetch(`${system.baseUrl}/api/auth/${signup ? 'signup' : 'login'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      signup
        ? { email, password, name: 'Chaos Customer', accept_terms: true }
        : { email, password },
    ),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf_token } = (await res.json()) as { csrf_token: string };
  return { cookie, 'x-csrf-token': csrf_token };
}

let emails = 0;

/** An API key with every scope, created by the demo operator. */
export async function merchantKey(system: ChaosSystem): Promise<Record<string, string>> {
  const admin = await signIn(system, 'admin@paydeck.test', 'paydeck-admin-demo');
  const key = await system.call('POST', '/api/admin/api-keys', {
    body: {
      name: `chaos ${Date.now()}`,
      scopes: [
        'orders:read',
        'orders:write',
        'payments:read',
        'payments:write',
        'refunds:read',
        'refunds:write',
        'customers:read',
      ],
    },
    headers: admin,
  });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${JSON.stringify(key.json)}`);
  return { authorization: `Bearer ${String(key.json!.secret)}` };
}

/** A new customer with a saved Visa card, signed in. */
export async function customerWithCard(
  system: ChaosSystem,
): Promise<{ email: string; session: Record<string, string> }> {
  const email = `chaos.${process.pid}.${Date.now().toString(36)}.${emails++}@example.test`;
  const session = await signIn(system, email, 'a-long-enough-password', true);
  const card = await system.call('POST', '/api/payment-methods', {
    body: { payment_method_id: 'pm_card_visa' },
    headers: session,
  });
  if (card.status !== 201) throw new Error(`card: ${card.status} ${JSON.stringify(card.json)}`);
  return { email, session };
}

/** Merchant orders for a customer. */
export async function merchantOrders(
  system: ChaosSystem,
  key: Record<string, string>,
  email: string,
  count: number,
  currency = 'usd',
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const order = await system.call('POST', '/api/v1/orders', {
      body: { customer_email: email, amount: 1000 + (i % 500), currency },
      headers: key,
    });
    if (order.status !== 201)
      throw new Error(`order: ${order.status} ${JSON.stringify(order.json)}`);
    ids.push(String(order.json!.id));
  }
  return ids;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` is true or `ms` passed; returns whether it became true. */
export async function within(
  ms: number,
  check: () => Promise<boolean>,
  everyMs = 500,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
