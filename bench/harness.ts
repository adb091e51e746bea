// Shared by the benchmarks: starts the simulator and a Paydeck server as separate processes (so
// the server's memory and CPU are its own), on a fresh database, and samples the server's RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** BENCH_PROFILE_DIR=/tmp/prof: the server writes a V8 CPU profile there when it stops. */
function run(script: string, env: Record<string, string>, profile = false): ChildProcess {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const flags = profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // The compiled build, as production runs it (scripts/launch.mjs builds first when stale).
  const entry = script.replace(/\.ts$/, '');
  const child = spawn(process.execPath, [...flags, 'scripts/launch.mjs', entry], {
    // glibc's malloc arenas capped as `npm start` and the image cap them (ADR 033).
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

export interface BenchSystem {
  /** The first instance's address. */
  baseUrl: string;
  /** Every instance's address (more than one with `instances`). */
  baseUrls: string[];
  simUrl: string;
  databaseUrl: string;
  serverPid: number;
  /** Highest RSS (MiB) of any one instance seen since the last reset. */
  peakRssMiB(): number;
  /**
   * CPU seconds used so far by the server instances (together), the simulator and the bench
   * database's backends.
   */
  cpuSeconds(): { server: number; simulator: number; postgres: number };
  resetPeak(): void;
  stop(): Promise<void>;
}

/**
 * `instances`: Paydeck servers on the one database, each its own process (issue 14: no ceiling
 * when adding instances). They share PUBLIC_URL and DATA_DIR, so the simulator's webhook endpoint
 * is the first one's and every instance accepts its signatures; each works jobs.
 */
export async function startBenchSystem(
  env: Record<string, string> = {},
  { instances = 1 }: { instances?: number } = {},
): Promise<BenchSystem> {
  const simPort = await freePort();
  const port = await freePort();
  const sim = run('simulator/main.ts', { SIMULATOR_PORT: String(simPort) });
  const simUrl = `http://127.0.0.1:${simPort}`;
  // The first launch may build (scripts/launch.mjs): allow for it.
  await waitFor(`${simUrl}/_sim/health`, 300_000);

  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  if (process.env.DATABASE_URL) {
    const name = `paydeck_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    console.warn(
      'DATABASE_URL is unset: benchmarking against the embedded PGlite (targets assume real PostgreSQL).',
    );
  }

  const dataDir = `.tmp/bench-${Date.now()}`;
  const startServer = (listenOn: number) =>
    run(
      // scripts/start runs the server alone when Stripe keys are set (as here).
      'scripts/start',
      {
        PORT: String(listenOn),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://localhost:${port}`,
        LOG_LEVEL: 'warn',
        STRIPE_SECRET_KEY: 'sk_test_bench',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_bench',
        STRIPE_API_BASE: simUrl,
        STRIPE_JS_URL: `${simUrl}/v3/`,
        STRIPE_SIMULATED: 'true',
        SEED_DEMO_DATA: 'false',
        DATA_DIR: dataDir,
        RATE_LIMIT_AUTH_PER_MINUTE: '100000',
        RATE_LIMIT_PAY_PER_MINUTE: '10000000',
        RATE_LIMIT_ADD_CARD_PER_HOUR: '100000',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        ...env,
      },
      true,
    );
  // One after another: the first migrates the database and registers the webhook endpoint,
  // which the others then find in DATA_DIR.
  const servers: ChildProcess[] = [];
  const baseUrls: string[] = [];
  for (let i = 0; i < instances; i++) {
    const listenOn = i === 0 ? port : await freePort();
    servers.push(startServer(listenOn));
    baseUrls.push(`http://127.0.0.1:${listenOn}`);
    await waitFor(`${baseUrls[i]}/healthz`);
  }
  const server = servers[0]!;
  const baseUrl = baseUrls[0]!;
  if (!databaseUrl) databaseUrl = '';

  let peak = 0;
  const sample = () => {
    for (const instance of servers) {
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc of our own child
        const status = readFileSync(`/proc/${instance.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // process gone
      }
    }
  };
  const sampler = setInterval(sample, 100);

  return {
    baseUrl,
    baseUrls,
    simUrl,
    databaseUrl,
    serverPid: server.pid!,
    peakRssMiB: () => Math.round(peak),
    cpuSeconds: () => ({
      server: servers.reduce((sum, instance) => sum + processCpuSeconds(instance.pid!), 0),
      simulator: processCpuSeconds(sim.pid!),
      postgres: backendsCpuSeconds(databaseUrl ? new URL(databaseUrl).pathname.slice(1) : ''),
    }),
    resetPeak: () => {
      peak = 0;
    },
    async stop() {
      clearInterval(sampler);
      const serversExited = Promise.all(
        servers.map((instance) => new Promise((r) => instance.once('exit', r))),
      );
      for (const instance of servers) instance.kill('SIGTERM');
      sim.kill('SIGTERM');
      // A graceful stop (and a CPU profile, when asked for) takes a moment; never wait forever.
      await Promise.race([serversExited, new Promise((r) => setTimeout(r, 10_000))]);
      await drop?.();
    },
  };
}

// CPU time from /proc (Linux): what a payment costs each process, whatever else the machine runs.
// 0 where /proc is not there. The paths name our own children and the bench database's backends.
/* eslint-disable security/detect-non-literal-fs-filename */
const CLOCK_TICKS_PER_SECOND = 100;

function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name in parentheses: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function backendsCpuSeconds(database: string): number {
  if (!database) return 0;
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (title.startsWith('postgres:') && title.includes(` ${database} `))
          total += processCpuSeconds(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return 0;
  }
  return total;
}
/* eslint-enable security/detect-non-literal-fs-filename */

/** A signed-in customer (cookie + CSRF token) talking to the bench server. */
export async function signedInCustomer(
  baseUrl: string,
): Promise<{ cookie: string; csrf: string; userId: string }> {
  const res = await fetch(`${baseUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench.${Date.now()}@example.test`,
      password: 'a benchmark password',
      name: 'Bench',
      accept_terms: true,
    }),
  });
  const body = (await res.json()) as { user: { id: string }; csrf_token: string };
  const cookie = String(res.headers.get('set-cookie')).split(';')[0]!;
  return { cookie, csrf: body.csrf_token, userId: body.user.id };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The sum of a counter's series matching a label filter, from Prometheus text. */
export function counterValue(metricsText: string, name: string, labelFilter: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(labelFilter)) continue;
    sum += Number(line.split(' ').pop());
  }
  return sum;
}

/**
 * Reads one histogram's buckets from Prometheus text, for a label filter. Text from several
 * instances, one after the other, adds up bucket by bucket.
 */
export function histogramQuantile(
  metricsText: string,
  name: string,
  labelFilter: string,
  q: number,
): number {
  const counts = new Map<number, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labelFilter)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(line.split(' ').pop()));
  }
  const buckets = [...counts].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      const fraction = count === prevCount ? 0 : (rank - prevCount) / (count - prevCount);
      return prevLe + (le - prevLe) * fraction;
    }
    prevLe = le;
    prevCount = count;
  }
  return NaN;
}
