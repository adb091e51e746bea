// Starts the whole system the way `npm start` does — the Stripe simulator, then Paydeck pointed
// at it through configuration — on free ports, for end-to-end tests and benchmarks.
import net from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from './keys.ts';
import { loadConfig } from '../../src/config.ts';
import { connectDatabase } from '../../src/db/client.ts';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { loggerOptions } from '../../src/lib/logger.ts';
import { startPaydeck, type RunningPaydeck } from '../../src/server/runtime.ts';
import type { TestApp } from './app.ts';

export interface RunningSystem {
  baseUrl: string;
  simulatorUrl: string;
  simulator: SimulatorHandle;
  paydeck: RunningPaydeck;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A fresh database on the server at `serverUrl` (DATABASE_URL), or undefined to use the embedded one. */
export async function freshDatabase(
  serverUrl = process.env.DATABASE_URL,
  prefix = 'paydeck_e2e',
): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  if (!serverUrl) return undefined;
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A migrated database no other test file writes to: a new one on the server at `serverUrl`
 * (DATABASE_URL), or a fresh in-memory embedded PGlite when there is none. For tests of what
 * acts on a whole database (a sweeper, the shared test clock), which on the run's shared one
 * would act on other files' rows, and other files' on theirs.
 */
export async function aDatabaseOfItsOwn(
  prefix: string,
  serverUrl = process.env.DATABASE_URL,
): Promise<{ url: string; drop(): Promise<void> }> {
  let own = await freshDatabase(serverUrl, prefix);
  if (!own) {
    const embedded = await startEmbeddedDatabase();
    own = { url: embedded.url, drop: () => embedded.close() };
  }
  const database = connectDatabase(own.url, { max: 1 });
  try {
    await migrateDatabase(database.pool);
  } finally {
    await database.close();
  }
  return own;
}

/** A free local port: the app's PUBLIC_URL (its allowed origin) must name the real port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /**
   * Write the server's logs (level info, with the production logger's redaction) to this file, so
   * a test can read what the server logged; without it, warnings and errors go to stdout.
   */
  logFile?: string;
}

export async function startSystem(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<RunningSystem> {
  const simulator = await startSimulator({ port: 0, quiet: true, webhookRetryBaseMs: 50 });
  const database = await freshDatabase();
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: options.logFile ? 'info' : 'warn',
    STRIPE_SECRET_KEY: 'sk_test_paydeck_e2e',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_e2e',
    STRIPE_API_BASE: simulator.url,
    STRIPE_JS_URL: `${simulator.url}/v3/`,
    STRIPE_SIMULATED: 'true',
    SEED_DEMO_DATA: 'true',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000',
    // The demo admin signs in many times per run, and with REDIS_URL the counters outlive a run.
    RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '100000',
    RATE_LIMIT_PAY_PER_MINUTE: '1000',
    RATE_LIMIT_ADD_CARD_PER_HOUR: '1000',
    DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  });
  // No DATA_DIR persistence for tests: an in-memory embedded database when DATABASE_URL is unset.
  const logStream = options.logFile
    ? pino.destination({ dest: options.logFile, sync: true, mkdir: true })
    : undefined;
  const logger = logStream ? pino(loggerOptions('info'), logStream) : pino({ level: 'warn' });
  // The HTTP app logs (every request) go to the same file, through the production redaction.
  // Own rate-limit counters per run: with REDIS_URL they would otherwise carry over between runs.
  const rateLimitNamespace = `e2e-rl-${Date.now()}-${process.pid}:`;
  const paydeck = await startPaydeck(config, {
    logger,
    embeddedInMemory: true,
    rateLimitNamespace,
    ...(logStream ? { logStream: logStream as unknown as NodeJS.WritableStream } : {}),
  });
  return {
    baseUrl: `http://localhost:${port}`,
    simulatorUrl: simulator.url,
    simulator,
    paydeck,
    databaseUrl: paydeck.infra.databaseUrl,
    async close() {
      await paydeck.close();
      await simulator.close();
      await database?.drop();
    },
  };
}

/**
 * A running system seen through the TestApp shape the builders take (app, database, simulator),
 * for tests that need the real start-up (jobs, listening server) rather than createTestApp.
 * Jobs are worked by the system itself, so none are collected here.
 */
export function asTestApp(system: RunningSystem): TestApp {
  return {
    app: system.paydeck.app,
    database: system.paydeck.infra.database,
    sim: system.simulator,
    jobs: [],
  } as unknown as TestApp;
}
