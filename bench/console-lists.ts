// The console's and the merchant API's lists against SPEC.md §4's growth target: ≤ 50 ms p99 with
// 1,000,000 payments and 5,000,000 audit entries stored. Needs DATABASE_URL (real PostgreSQL): it
// loads a scratch database in SQL (bench/growth-data.ts), calls each list the way its route does
// (the service, then JSON as the answer is sent), RUNS times per query, EXPLAINs the statements
// of one run, and drops the database.
//
// Run: npx tsx bench/console-lists.ts [payments=1000000] [audit entries=5000000]
// Exits 1 when a list's p99 is over 50 ms or it scans a large table sequentially.
import {
  auditSeed,
  benchApp,
  explain,
  paymentsSeed,
  recordStatements,
  serverUrlFor,
  withScratchDatabase,
} from './growth-data.ts';

const TARGET_MS = 50;
const RUNS = 100;
const payments = Number(process.argv[2] ?? 1_000_000);
const auditEntries = Number(process.argv[3] ?? 5_000_000);
const serverUrl = serverUrlFor('bench/console-lists.ts');

let missed = false;
await withScratchDatabase(serverUrl, 'paydeck_bench_lists', async (scratch) => {
  const { database, loader } = scratch;
  const started = performance.now();
  await loader.query(paymentsSeed(payments));
  await loader.query(auditSeed(auditEntries, payments));
  await loader.query('VACUUM ANALYZE');
  console.log(
    `seeded ${payments.toLocaleString()} payments and ${auditEntries.toLocaleString()} audit entries in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const sent = recordStatements(database);
  const app = await benchApp(scratch);
  const { admin, audit, webhooks, refunds, orders, customers } = app.services;
  const day = new Date(Date.now() - 24 * 3_600_000);
  const aPayment = (await loader.query(`SELECT id, order_id FROM payments LIMIT 1 OFFSET 1000`))
    .rows[0] as { id: string; order_id: string };
  const middleAudit = Math.floor(auditEntries / 2);
  const newestEvent = (
    await loader.query(`SELECT id FROM webhook_events ORDER BY created_at DESC, id DESC LIMIT 1`)
  ).rows[0] as { id: string };
  const search = (filter: Parameters<typeof admin.searchPayments>[0], offset = 0) =>
    admin.searchPayments(filter, { limit: 25, offset });

  // What an operator opens most: each list's first page, its filters, and a page further on.
  const lists: Array<[string, () => Promise<unknown>]> = [
    ['console payments, first page', () => search({})],
    ['console payments, status failed', () => search({ status: 'failed' })],
    ['console payments, status unknown (rare)', () => search({ status: 'unknown' })],
    ['console payments, last 24 hours', () => search({ created: { gte: day } })],
    ['console payments, amount ≥ 5,500', () => search({ amountGte: 5500 })],
    ['console payments, amount 12.34 (none)', () => search({ amountGte: 1234, amountLte: 1234 })],
    ['console payments, decline code', () => search({ declineCode: 'insufficient_funds' })],
    ['console payments, customer email', () => search({ customerEmail: 'bench@example.test' })],
    ['console payments, search by PaymentIntent id', () => search({ q: 'pi_123457' })],
    ['console payments, page 41 (offset 1,000)', () => search({}, 1000)],
    ['console payment detail', () => admin.paymentDetail(aPayment.id)],
    ['audit log, first page', () => audit.list({}, { limit: 50 })],
    [
      'audit log, page from the middle',
      () => audit.list({}, { limit: 50, startingAfter: middleAudit }),
    ],
    [
      'audit log, one payment',
      () => audit.list({ targetType: 'payment', targetId: aPayment.id }, { limit: 50 }),
    ],
    ['audit log, one action', () => audit.list({ action: 'refund.created' }, { limit: 50 })],
    [
      'audit log, an action never taken',
      () => audit.list({ action: 'payment.disputed' }, { limit: 50 }),
    ],
    [
      'audit log, one actor',
      () => audit.list({ actorType: 'admin', actorId: 'actor_3' }, { limit: 50 }),
    ],
    ['webhook events, first page', () => webhooks.list({}, { limit: 25 })],
    ['webhook events, failed', () => webhooks.list({ status: 'failed' }, { limit: 25 })],
    [
      'webhook events, after the newest',
      () => webhooks.list({}, { limit: 25, startingAfter: newestEvent.id }),
    ],
    ['API refunds, first page', () => refunds.records.list({}, { limit: 10 })],
    [
      'API refunds, one order',
      () => refunds.records.list({ orderId: aPayment.order_id }, { limit: 10 }),
    ],
    ['API orders, first page', () => orders.list({}, { limit: 10 })],
    ['API customers, first page', () => customers.list({}, { limit: 10 })],
  ];

  for (const [name, list] of lists) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      JSON.stringify(await list());
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(RUNS * 0.5)]!;
    const p99 = times[Math.ceil(RUNS * 0.99) - 1]!;
    sent.length = 0;
    await list();
    const scans = new Set<string>();
    for (const statement of sent.filter((s) => /^\s*(select|with)/i.test(s.text))) {
      for (const table of (await explain(loader, statement)).seqScans) scans.add(table);
    }
    const miss = p99 > TARGET_MS || scans.size > 0;
    if (miss) missed = true;
    console.log(
      `${miss ? 'MISS' : 'ok  '} ${name.padEnd(46)} p50 ${p50.toFixed(1).padStart(6)} ms  p99 ${p99.toFixed(1).padStart(6)} ms${scans.size ? `  seq scan: ${[...scans].join(', ')}` : ''}`,
    );
  }
  await app.close();
});
console.log(`target: p99 ≤ ${TARGET_MS} ms, no sequential scan of a large table`);
process.exit(missed ? 1 : 0);
