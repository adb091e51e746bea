// The database's own speed on this machine, as the yardstick for Paydeck's figures (issue 14):
// pgbench's TPC-B-like transaction, 10 clients, 2 threads, 15 s, scale 10, on a scratch
// database of the same PostgreSQL server that DATABASE_URL names. Run just before the payment
// benchmark so that both see the same machine.
// Run: DATABASE_URL=postgres://… npx tsx bench/pgbench.ts
import { execFileSync, spawnSync } from 'node:child_process';
import pg from 'pg';

export interface PgbenchResult {
  tps: number;
  clients: number;
  seconds: number;
}

/** TPC-B tps of the server behind `databaseUrl`; undefined (with the reason) when pgbench is absent. */
export async function runPgbench(
  databaseUrl: string,
  options: { clients?: number; seconds?: number } = {},
): Promise<PgbenchResult | { missing: string }> {
  const clients = options.clients ?? 10;
  const seconds = options.seconds ?? 15;
  if (spawnSync('pgbench', ['--version']).error) {
    return {
      missing:
        'pgbench is not installed (Debian: apt-get install -y postgresql-client); no ratio printed.',
    };
  }
  const name = `paydeck_pgbench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    const target = url.toString();
    execFileSync('pgbench', ['-i', '-q', '-s', '10', target], { stdio: 'ignore' });
    const out = execFileSync(
      'pgbench',
      ['-c', String(clients), '-j', '2', '-T', String(seconds), '-n', target],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench's output:\n${out}`);
    return { tps: Math.round(tps), clients, seconds };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (import.meta.url.endsWith(process.argv[1]!.replace(/\\/g, '/'))) {
  if (!process.env.DATABASE_URL) throw new Error('bench/pgbench.ts needs DATABASE_URL.');
  console.log(JSON.stringify(await runPgbench(process.env.DATABASE_URL), null, 2));
}
