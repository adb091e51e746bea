// The console dashboard's figures against SPEC.md §4's growth target: ≤ 300 ms with 1,000,000
// payments stored (ADR 020). Needs DATABASE_URL (real PostgreSQL): it creates a scratch
// database, fills it in SQL (payments over a year, refunds, disputes, two webhook events per
// payment, 30 days of Stripe call minutes for 2 instances × 6 operations, folded by the hourly
// roll-up as a running server would have), times GET /api/admin/dashboard's service for each
// window, EXPLAINs the statements it sends for one hour, and drops the database.
//
// Run: npx tsx bench/dashboard.ts [payments=1000000]
// Exits 1 when a window's median is over 300 ms or the 1-hour figures scan payments sequentially.
import { rollUpStripeCalls } from '../src/modules/dashboard/stripe-calls.ts';
import {
  benchApp,
  explain,
  paymentsSeed,
  recordStatements,
  serverUrlFor,
  withScratchDatabase,
} from './growth-data.ts';

const TARGET_MS = 300;
const RUNS = 7;
const payments = Number(process.argv[2] ?? 1_000_000);
const serverUrl = serverUrlFor('bench/dashboard.ts');

let missed = false;
await withScratchDatabase(serverUrl, 'paydeck_bench_dashboard', async (scratch) => {
  const { database, loader } = scratch;
  let started = performance.now();
  await loader.query(paymentsSeed(payments));
  console.log(
    `seeded ${payments.toLocaleString()} payments in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  started = performance.now();
  await rollUpStripeCalls(database.db, new Date());
  console.log(`rolled up Stripe call minutes in ${(performance.now() - started).toFixed(0)} ms`);
  await loader.query('VACUUM ANALYZE');

  // Every statement the service sends, kept so the 1-hour ones can be EXPLAINed as sent.
  const sent = recordStatements(database);
  const app = await benchApp(scratch);
  for (const window of ['1h', '24h', '7d', '30d'] as const) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await app.services.dashboard.figures(window);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(RUNS / 2)]!;
    if (median > TARGET_MS) missed = true;
    console.log(
      `${window.padEnd(4)} median ${median.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}; target ≤ ${TARGET_MS})`,
    );
  }
  sent.length = 0;
  await app.services.dashboard.figures('1h');
  for (const statement of sent.filter((s) => /^\s*select/i.test(s.text))) {
    const { executionTime, seqScans } = await explain(loader, statement);
    const seqScan = seqScans.includes('payments');
    if (seqScan) missed = true;
    console.log(
      `1h ${executionTime.padEnd(26)} ${seqScan ? 'SEQ SCAN ON PAYMENTS ' : ''}${statement.text.replace(/\s+/g, ' ').slice(0, 90)}`,
    );
  }
  await app.close();
});
process.exit(missed ? 1 : 0);
