// `npm run chaos`: every scenario of issue 10 at full size (or `-- --short`; `--only=fuzz,crashes`
// picks scenarios, `--set=fuzz=20000` changes one size), each on a fresh system (own database,
// own simulator, the server as its own process), then the money-integrity check. Prints the figures and writes them to test-results/chaos/report.json; exits non-zero
// when any invariant broke. Traffic goes only to 127.0.0.1; every loop is bounded.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkIntegrity, type IntegrityReport } from './integrity.ts';
import {
  crashes,
  databaseOutage,
  fuzz,
  gracefulStop,
  identicalPays,
  stripeFaults,
  webhookStorm,
  type ScenarioResult,
} from './scenarios.ts';
import { startChaosSystem, type ChaosSystem, type Launch } from './system.ts';

export const SIZES = {
  full: {
    identical: 1000,
    webhooks: 10_000,
    faults: 500,
    crashPayments: 1000,
    kills: 5,
    outageSeconds: 10,
    fuzz: 100_000,
    sigtermPayments: 64,
  },
  short: {
    identical: 60,
    webhooks: 400,
    faults: 40,
    crashPayments: 40,
    kills: 1,
    outageSeconds: 4,
    fuzz: 600,
    sigtermPayments: 16,
  },
};
export type Sizes = (typeof SIZES)['full'];

/** The grace period the sigterm scenario gives the server (SHUTDOWN_GRACE_SECONDS). */
const SIGTERM_GRACE_SECONDS = 20;

export const SCENARIOS: Array<{
  id: string;
  run: (system: ChaosSystem, sizes: Sizes) => Promise<ScenarioResult>;
  launch?: Launch;
  env?: Record<string, string>;
}> = [
  { id: 'identical-pays', run: (s, z) => identicalPays(s, z.identical) },
  { id: 'webhook-storm', run: (s, z) => webhookStorm(s, z.webhooks) },
  { id: 'stripe-faults', run: (s, z) => stripeFaults(s, z.faults) },
  { id: 'crashes', run: (s, z) => crashes(s, z.crashPayments, z.kills) },
  { id: 'database-outage', run: (s, z) => databaseOutage(s, z.outageSeconds) },
  { id: 'fuzz', run: (s, z) => fuzz(s, z.fuzz) },
  {
    id: 'sigterm',
    run: (s, z) => gracefulStop(s, z.sigtermPayments, SIGTERM_GRACE_SECONDS),
    launch: 'npm-start',
    env: { SHUTDOWN_GRACE_SECONDS: String(SIGTERM_GRACE_SECONDS) },
  },
];

export interface ScenarioReport extends ScenarioResult {
  id: string;
  seconds: number;
  integrity: IntegrityReport;
  ok: boolean;
}

/** Runs one scenario on a fresh system and checks money integrity afterwards. */
export async function runScenario(
  id: string,
  sizes: Sizes,
  databaseServerUrl: string | undefined,
): Promise<ScenarioReport> {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario) throw new Error(`no scenario ${id}`);
  const system = await startChaosSystem({
    databaseServerUrl,
    ...(scenario.launch ? { launch: scenario.launch } : {}),
    ...(scenario.env ? { env: scenario.env } : {}),
  });
  const started = Date.now();
  try {
    const result = await scenario.run(system, sizes);
    const integrity = await checkIntegrity(system);
    return {
      id,
      ...result,
      seconds: Math.round((Date.now() - started) / 1000),
      integrity,
      ok: result.problems.length === 0 && integrity.ok,
    };
  } finally {
    await system.close();
  }
}

async function main(): Promise<void> {
  const short = process.argv.includes('--short');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  // `--set fuzz=20000,kills=3` overrides single sizes.
  const overrides = Object.fromEntries(
    (
      process.argv
        .find((a) => a.startsWith('--set='))
        ?.slice('--set='.length)
        .split(',') ?? []
    )
      .map((pair) => pair.split('='))
      .filter(([key, value]) => key && key in SIZES.full && Number.isFinite(Number(value)))
      .map(([key, value]) => [key, Number(value)]),
  );
  const sizes: Sizes = { ...(short ? SIZES.short : SIZES.full), ...overrides };
  const reports: ScenarioReport[] = [];
  for (const { id } of SCENARIOS.filter((s) => !only || only.split(',').includes(s.id))) {
    process.stdout.write(`\n== ${id}\n`);
    const report = await runScenario(id, sizes, process.env.DATABASE_URL);
    reports.push(report);
    process.stdout.write(
      `${report.ok ? 'ok' : 'FAILED'} in ${report.seconds} s — ${report.name}\n`,
    );
    for (const [name, value] of Object.entries(report.figures))
      process.stdout.write(`  ${name.padEnd(34)} ${value}\n`);
    process.stdout.write(
      `  ${'money integrity'.padEnd(34)} ${report.integrity.ok ? 'ok' : 'BROKEN'} (audit chain ${report.integrity.auditChain.checked} entries)\n`,
    );
    for (const problem of [...report.problems, ...report.integrity.problems])
      process.stdout.write(`  ! ${problem}\n`);
  }
  const file = path.resolve('test-results', 'chaos', 'report.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), sizes, reports }, null, 2));
  const failed = reports.filter((r) => !r.ok);
  process.stdout.write(
    `\n${reports.length - failed.length} passed, ${failed.length} failed (report: ${path.relative(process.cwd(), file)})\n`,
  );
  process.exit(failed.length ? 1 : 0);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
