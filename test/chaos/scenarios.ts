// The chaos scenarios of issue 10. Each drives the real system (server process, jobs, simulator,
// PostgreSQL) with bounded loops, returns its figures and the invariants it saw broken, and
// leaves money integrity to integrity.ts. `size` scales each one: `npm test` runs them small,
// `npm run chaos` at full size.
import Stripe from 'stripe';
import type { StripeObject } from '../../simulator/types.ts';
import {
  customerWithCard,
  inParallel,
  merchantKey,
  merchantOrders,
  sleep,
  within,
  type Answer,
  type ChaosSystem,
} from './system.ts';

export interface ScenarioResult {
  name: string;
  figures: Record<string, number | string>;
  problems: string[];
}

type Histogram = Record<string, number>;
const count = (histogram: Histogram, key: string) => (histogram[key] = (histogram[key] ?? 0) + 1);
const errorCode = (answer: Answer | null) =>
  (answer?.json?.error as { code?: string } | undefined)?.code;
const label = (answer: Answer | null) =>
  answer ? `${answer.status}${errorCode(answer) ? ` ${errorCode(answer)}` : ''}` : 'no answer';

/** Charges an order with its key, as a careful client: retries the same key on no answer, 5xx, 409 in use. */
async function chargeUntilAnswered(
  system: ChaosSystem,
  key: Record<string, string>,
  orderId: string,
  idempotencyKey: string,
  untilMs: number,
) {
  for (;;) {
    const answer = await system
      .call('POST', `/api/v1/orders/${orderId}/charge`, {
        body: {},
        headers: { ...key, 'idempotency-key': idempotencyKey },
      })
      .catch(() => null);
    const retry = !answer || answer.status >= 500 || errorCode(answer) === 'idempotency_key_in_use';
    if (!retry || Date.now() > untilMs) return answer;
    await sleep(answer ? 1000 * Number(answer.headers.get('retry-after') ?? 1) : 500);
  }
}

async function orderStatuses(
  system: ChaosSystem,
  orderIds: string[],
): Promise<Map<string, string>> {
  const rows = (
    await system.db.query<{ id: string; status: string }>(
      'select id, status from orders where id = any($1)',
      [orderIds],
    )
  ).rows;
  return new Map(rows.map((r) => [r.id, r.status]));
}

async function unsettledPayments(system: ChaosSystem): Promise<number> {
  const rows = await system.db.query<{ n: number }>(
    "select count(*)::int as n from payments where status in ('creating', 'unknown')",
  );
  return rows.rows[0]!.n;
}

/** 1. Many identical pay requests with one Idempotency-Key: exactly one PaymentIntent. */
export async function identicalPays(
  system: ChaosSystem,
  requests: number,
): Promise<ScenarioResult> {
  const key = await merchantKey(system);
  const customer = await customerWithCard(system);
  const [orderId] = await merchantOrders(system, key, customer.email, 1);
  const idempotencyKey = `chaos-identical-${Date.now()}`;
  const histogram: Histogram = {};
  const paymentIds = new Set<string>();
  await inParallel(Array.from({ length: requests }), 200, async () => {
    const answer = await system
      .call('POST', `/api/orders/${orderId}/pay`, {
        body: {},
        headers: { ...customer.session, 'idempotency-key': idempotencyKey },
      })
      .catch(() => null);
    count(histogram, label(answer));
    const payment = answer?.json?.payment as { id?: string } | undefined;
    if (payment?.id) paymentIds.add(payment.id);
  });
  const after = await system.call('POST', `/api/orders/${orderId}/pay`, {
    body: {},
    headers: { ...customer.session, 'idempotency-key': idempotencyKey },
  });
  const intents = system.sim.sim.store
    .newestFirst<StripeObject & { metadata: Record<string, string> }>('payment_intents')
    .filter((pi) => pi.metadata.paydeck_order_id === orderId).length;
  const problems: string[] = [];
  if (intents !== 1) problems.push(`${intents} PaymentIntents for one key`);
  for (const kind of Object.keys(histogram))
    if (!['200', '409 idempotency_key_in_use'].includes(kind))
      problems.push(`answered ${kind} ×${histogram[kind]}`);
  if (paymentIds.size > 1) problems.push(`${paymentIds.size} different payments answered`);
  if (after.status !== 200 || after.headers.get('idempotent-replayed') !== 'true')
    problems.push(`the retry afterwards answered ${label(after)} without replaying`);
  return {
    name: 'identical pay requests, one key',
    figures: {
      requests,
      intents_created: intents,
      ...histogram,
      retry_replayed: String(after.headers.get('idempotent-replayed')),
    },
    problems,
  };
}

/** 2. A storm of webhook events: duplicated, shuffled, some forged. */
export async function webhookStorm(
  system: ChaosSystem,
  deliveries: number,
): Promise<ScenarioResult> {
  const secret = system.webhookSecret();
  const run = Date.now().toString(36);
  const forgedCount = Math.round(deliveries * 0.05);
  const genuine = deliveries - forgedCount;
  const unique = Math.round(genuine / 1.3);
  const events = Array.from({ length: unique }, (_, i) => ({
    id: `evt_chaos${run}${i}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000) - (i % 300),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'chaos.unhandled_type',
    data: { object: { id: `obj_chaos${run}${i}`, object: 'chaos' } },
  }));
  type Delivery = { payload: string; forged: boolean };
  const list: Delivery[] = events.map((e) => ({ payload: JSON.stringify(e), forged: false }));
  for (let i = 0; list.length < genuine; i++)
    list.push({ payload: JSON.stringify(events[i % unique]), forged: false });
  for (let i = 0; i < forgedCount; i++) {
    list.push({
      payload: JSON.stringify({ ...events[0], id: `evt_forged${run}${i}` }),
      forged: true,
    });
  }
  // Shuffle (Fisher–Yates with a fixed seed, so a run can be repeated).
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  const histogram: Histogram = {};
  const problems: string[] = [];
  const started = Date.now();
  await inParallel(list, 32, async (delivery) => {
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: delivery.payload,
      secret: delivery.forged ? 'whsec_forged_by_someone' : secret,
    });
    const res = await fetch(`${system.baseUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: delivery.payload,
    }).catch(() => null);
    const status = res?.status ?? 0;
    await res?.arrayBuffer();
    count(histogram, `${delivery.forged ? 'forged' : 'genuine'} ${status}`);
    if (delivery.forged && status < 400 && status !== 429)
      problems.push('a forged event was accepted');
    if (!delivery.forged && status !== 200) problems.push(`a genuine event answered ${status}`);
  });
  const seconds = (Date.now() - started) / 1000;
  const stored = async () =>
    (
      await system.db.query<{ n: number; processed: number; forged: number }>(
        `select count(*) filter (where stripe_event_id like $1)::int as n,
                count(*) filter (where stripe_event_id like $1 and status in ('processed', 'ignored'))::int as processed,
                count(*) filter (where stripe_event_id like $2)::int as forged
           from webhook_events`,
        [`evt_chaos${run}%`, `evt_forged${run}%`],
      )
    ).rows[0]!;
  await within(60_000, async () => (await stored()).processed >= unique);
  const final = await stored();
  if (final.n !== unique) problems.push(`${final.n} events stored for ${unique} unique ones`);
  if (final.processed !== unique) problems.push(`${final.processed} of ${unique} events handled`);
  if (final.forged !== 0) problems.push(`${final.forged} forged events stored`);
  return {
    name: 'webhook storm: duplicated, shuffled, forged',
    figures: {
      deliveries,
      unique,
      forged: forgedCount,
      stored: final.n,
      handled: final.processed,
      intake_per_second: Math.round(deliveries / seconds),
      ...histogram,
    },
    problems: [...new Set(problems)],
  };
}

/** 3. Stripe failing a fifth of payment calls (500s before and after the work, resets, hangs). */
export async function stripeFaults(system: ChaosSystem, charges: number): Promise<ScenarioResult> {
  const key = await merchantKey(system);
  const customer = await customerWithCard(system);
  const orders = await merchantOrders(system, key, customer.email, charges);
  const rules = [
    { kind: 'error_500', phase: 'before', fraction: 0.06 },
    { kind: 'error_500', phase: 'after', fraction: 0.06 },
    { kind: 'reset', phase: 'after', fraction: 0.05 },
    { kind: 'hang', phase: 'after', fraction: 0.03 },
  ].map((rule) => system.sim.sim.faults.add({ match: 'POST /v1/payment_intents', ...rule }));
  const histogram: Histogram = {};
  await inParallel(orders, 16, async (orderId) => {
    const answer = await system
      .call('POST', `/api/v1/orders/${orderId}/charge`, {
        body: {},
        headers: { ...key, 'idempotency-key': `chaos-fault-${orderId}` },
      })
      .catch(() => null);
    count(histogram, label(answer));
  });
  const fired = rules.reduce((sum, rule) => sum + rule.fired, 0);
  for (const rule of rules) system.sim.sim.faults.remove(rule.id);
  const started = Date.now();
  const settled = await within(150_000, async () => (await unsettledPayments(system)) === 0, 1000);
  const problems = settled
    ? []
    : [
        `${await unsettledPayments(system)} payments still creating/unknown after the sync jobs ran`,
      ];
  for (const kind of Object.keys(histogram))
    if (kind.startsWith('500 internal')) problems.push(`answered ${kind}`);
  return {
    name: 'Stripe answering 20% 5xx, timeouts and resets',
    figures: {
      charges,
      faults_fired: fired,
      seconds_to_settle: Math.round((Date.now() - started) / 1000),
      ...histogram,
    },
    problems,
  };
}

/** 4. kill -9 of the server at random points during payments, then restarts. */
export async function crashes(
  system: ChaosSystem,
  payments: number,
  kills: number,
): Promise<ScenarioResult> {
  const key = await merchantKey(system);
  const customer = await customerWithCard(system);
  const orders = await merchantOrders(system, key, customer.email, payments);
  system.sim.sim.faults.latencyMs = 100;
  const answers = new Map<string, Answer | null>();
  let stop = false;
  const load = inParallel(orders, 16, async (orderId) => {
    if (stop) return;
    answers.set(
      orderId,
      await system
        .call('POST', `/api/v1/orders/${orderId}/charge`, {
          body: {},
          headers: { ...key, 'idempotency-key': `chaos-crash-${orderId}` },
        })
        .catch(() => null),
    );
  });
  let restartSeconds = 0;
  for (let k = 0; k < kills; k++) {
    // A random point: after a random share of this round's payments reached Stripe.
    const target = Math.floor(((k + Math.random()) / kills) * payments * 0.8);
    await within(
      60_000,
      async () => system.sim.sim.store.newestFirst('payment_intents').length >= target,
      20,
    );
    await system.kill();
    const restarted = Date.now();
    await system.start();
    restartSeconds = Math.max(restartSeconds, (Date.now() - restarted) / 1000);
  }
  stop = true;
  await load;
  system.sim.sim.faults.latencyMs = 0;
  const afterRestart = Date.now();
  const settled = await within(60_000, async () => (await unsettledPayments(system)) === 0, 1000);
  const settleSeconds = Math.round((Date.now() - afterRestart) / 1000);
  // Clients that got no answer (or none yet) retry with their key; every order ends paid.
  await inParallel(orders, 8, async (orderId) => {
    if (answers.get(orderId)?.status === 200) return;
    answers.set(
      orderId,
      await chargeUntilAnswered(
        system,
        key,
        orderId,
        `chaos-crash-${orderId}`,
        Date.now() + 90_000,
      ),
    );
  });
  const statuses = await orderStatuses(system, orders);
  const lost = orders.filter((id) => statuses.get(id) !== 'paid');
  // No webhook lost: the endpoint outlived the restarts, so every event Stripe had for us is
  // delivered in the end (its retries reach the new process) rather than dropped with it.
  await within(30_000, async () => system.sim.sim.webhooks.pending === 0, 250);
  const undelivered = system.sim.sim.store
    .newestFirst<StripeObject & { pending_webhooks: number }>('events')
    .filter((e) => e.pending_webhooks > 0);
  const histogram: Histogram = {};
  for (const answer of answers.values()) count(histogram, label(answer));
  // A client's retry with its own key gets its payment, never a refusal of its own work.
  const refusedOwnWork = [...answers.entries()].filter(([, answer]) =>
    ['order_already_paid', 'order_payment_in_progress'].includes(errorCode(answer) ?? ''),
  );
  const problems = [
    ...(settled ? [] : ['payments left creating/unknown 60 s after the last restart']),
    ...lost.map((id) => `order ${id} ended ${statuses.get(id)}`),
    ...refusedOwnWork.map(
      ([id, answer]) => `order ${id}: the retry with its own key answered ${label(answer)}`,
    ),
    ...(undelivered.length ? [`${undelivered.length} webhook events never delivered`] : []),
  ];
  return {
    name: 'kill -9 during payments, restart',
    figures: {
      payments,
      kills,
      lost: lost.length,
      webhooks_undelivered: undelivered.length,
      seconds_to_settle_after_restart: settleSeconds,
      slowest_restart_seconds: Math.round(restartSeconds),
      ...histogram,
    },
    problems,
  };
}

/** 5. PostgreSQL unreachable for a while in the middle of load. */
export async function databaseOutage(
  system: ChaosSystem,
  outageSeconds: number,
): Promise<ScenarioResult> {
  const key = await merchantKey(system);
  const customer = await customerWithCard(system);
  const orders = await merchantOrders(system, key, customer.email, 400);
  const histogram: Histogram = {};
  const problems: string[] = [];
  let next = 0;
  let running = true;
  const keysSeen: Array<{ orderId: string; key: string }> = [];
  const worker = async () => {
    while (running && next < orders.length) {
      const orderId = orders[next++]!;
      const idempotencyKey = `chaos-db-${orderId}`;
      keysSeen.push({ orderId, key: idempotencyKey });
      const answer = await system
        .call('POST', `/api/v1/orders/${orderId}/charge`, {
          body: {},
          headers: { ...key, 'idempotency-key': idempotencyKey },
          timeoutMs: 60_000,
        })
        .catch(() => null);
      count(histogram, label(answer));
      if (!answer) problems.push('a request got no answer (hang or dropped connection)');
      else if (answer.status >= 500 && answer.status !== 503)
        problems.push(`answered ${label(answer)}`);
      else if (answer.status === 503 && !answer.headers.get('retry-after'))
        problems.push('503 without Retry-After');
      else if (answer.status === 503 && errorCode(answer) !== 'service_unavailable')
        problems.push(`503 with code ${errorCode(answer)}`);
      const reads = await system
        .call('GET', '/api/v1/orders?limit=5', { headers: key, timeoutMs: 60_000 })
        .catch(() => null);
      count(histogram, `read ${label(reads)}`);
      if (!reads || (reads.status >= 500 && reads.status !== 503))
        problems.push(`a read answered ${label(reads)}`);
    }
  };
  const trace = (what: string) =>
    process.env.CHAOS_TRACE &&
    process.stdout.write(`[outage] ${new Date().toISOString()} ${what}\n`);
  const load = Promise.all(Array.from({ length: 8 }, worker));
  await sleep(3000);
  trace('cut');
  await system.proxy.cut();
  await sleep(outageSeconds * 1000);
  trace('restore');
  await system.proxy.restore();
  await sleep(5000);
  running = false;
  trace('waiting for load');
  await load;
  trace('load done');
  if (!system.alive()) {
    problems.push(`the server process died during the outage:\n${system.log().slice(-4000)}`);
    return {
      name: `PostgreSQL unreachable for ${outageSeconds} s mid-load`,
      figures: { outage_seconds: outageSeconds, ...histogram },
      problems,
    };
  }
  const alive = await system.call('GET', '/healthz').catch(() => null);
  if (alive?.status !== 200) problems.push('the process is not alive after the outage');
  const recoveredAt = Date.now();
  const recovered = await within(
    30_000,
    async () => (await system.call('GET', '/readyz').catch(() => null))?.status === 200,
  );
  if (!recovered)
    problems.push(
      `/readyz did not recover within 30 s: ${JSON.stringify((await system.call('GET', '/readyz').catch(() => null))?.json)}`,
    );
  const recoverySeconds = Math.round((Date.now() - recoveredAt) / 1000);
  trace('retrying keys');
  // No key left locked: every key used during the outage gets an answer on retry.
  const locked: string[] = [];
  const retryUntil = Date.now() + 60_000;
  await inParallel(keysSeen, 8, async ({ orderId, key: idempotencyKey }) => {
    const answer = await chargeUntilAnswered(system, key, orderId, idempotencyKey, retryUntil);
    if (!answer || errorCode(answer) === 'idempotency_key_in_use' || answer.status >= 500)
      locked.push(idempotencyKey);
  });
  if (locked.length) problems.push(`${locked.length} keys still locked or failing after recovery`);
  // Payments whose Stripe answer was lost in the outage settle through their sync jobs and the sweeper.
  if (!(await within(120_000, async () => (await unsettledPayments(system)) === 0, 1000)))
    problems.push('payments left creating/unknown 2 minutes after recovery');
  return {
    name: `PostgreSQL unreachable for ${outageSeconds} s mid-load`,
    figures: {
      outage_seconds: outageSeconds,
      charges_tried: keysSeen.length,
      keys_locked_after: locked.length,
      seconds_to_ready_after: recoverySeconds,
      ...histogram,
    },
    problems: [...new Set(problems)],
  };
}

/** 6. Fuzzed requests across every route in the OpenAPI document. */
export async function fuzz(system: ChaosSystem, requests: number): Promise<ScenarioResult> {
  const doc = (await system.call('GET', '/docs/json')).json as {
    paths: Record<string, Record<string, unknown>>;
  };
  const key = await merchantKey(system);
  const customer = await customerWithCard(system);
  const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.keys(methods)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => ({ method: m.toUpperCase(), path: p })),
  );
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const strings = [
    '\u0000',
    'a\u0000b',
    '%00',
    '../../etc/passwd',
    'x'.repeat(300),
    'é'.repeat(5000),
    '🙂',
    '1e308',
    '-1',
    "'; drop table orders; --",
    '%E0%A4%A',
    ' ',
    '',
  ];
  const values: unknown[] = [
    null,
    true,
    -1,
    0,
    1.5,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    'x'.repeat(100_000),
    [],
    {},
    [null],
    { a: { b: { c: null } } },
    ...strings,
  ];
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const histogram: Histogram = {};
  const problems: string[] = [];
  let serverErrors = 0;
  let hangs = 0;
  await inParallel(Array.from({ length: requests }), 16, async () => {
    const op = pick(operations);
    const path = op.path.replace(
      /\{(\w+)\}/g,
      () => encodeURIComponent(String(pick(strings))).slice(0, 400) || 'x',
    );
    const query =
      random() < 0.5
        ? `?${pick(['limit', 'starting_after', 'q', 'status', 'created_gte', 'amount_gte'])}=${encodeURIComponent(String(pick(values)))}`
        : '';
    const auth = pick([{}, customer.session, key]);
    const bodyKind = random();
    const raw =
      op.method === 'GET' || op.method === 'DELETE'
        ? undefined
        : bodyKind < 0.1
          ? deep(20_000)
          : bodyKind < 0.2
            ? 'null'
            : bodyKind < 0.3
              ? '{"a":'
              : JSON.stringify(
                  Object.fromEntries(
                    Array.from({ length: 3 }, () => [
                      pick([
                        'amount',
                        'currency',
                        'name',
                        'email',
                        'items',
                        'metadata',
                        'payment_method_id',
                        'customer_email',
                        'scopes',
                      ]),
                      pick(values),
                    ]),
                  ),
                );
    const answer = await system
      .call(op.method, path + query, {
        headers: { ...auth },
        ...(raw !== undefined ? { raw } : {}),
        timeoutMs: 15_000,
      })
      .catch((err: Error) => {
        if (err.name === 'TimeoutError') hangs++;
        return null;
      });
    const status = answer?.status ?? 0;
    count(histogram, `${Math.floor(status / 100)}xx`);
    if (status >= 500) {
      serverErrors++;
      problems.push(`${op.method} ${path}${query} → ${label(answer)}`);
    } else if (
      answer &&
      status >= 400 &&
      !(answer.json?.error && typeof (answer.json.error as { code?: unknown }).code === 'string')
    ) {
      problems.push(`${op.method} ${path} → ${status} outside the error shape`);
    }
  });
  if (hangs) problems.push(`${hangs} requests hung`);
  return {
    name: 'fuzzed requests across the OpenAPI document',
    figures: {
      requests,
      operations: operations.length,
      server_errors: serverErrors,
      hangs,
      ...histogram,
    },
    problems: [...new Set(problems)].slice(0, 50),
  };
}

/**
 * 7. SIGTERM to `npm start` while payments are in flight (what a container runtime or systemd
 * sends): every request already being served gets its answer, the process exits 0 within the
 * grace period, and no payment is left `creating`/`unknown` — without a restart.
 */
export async function gracefulStop(
  system: ChaosSystem,
  payments: number,
  graceSeconds: number,
): Promise<ScenarioResult> {
  const key = await merchantKey(system);
  const customer = await customerWithCard(system);
  const orders = await merchantOrders(system, key, customer.email, payments);
  // Slow "Stripe" so that every payment is inside its Stripe call when the signal arrives.
  system.sim.sim.faults.latencyMs = 1500;
  const answers = Promise.all(
    orders.map((orderId) =>
      system
        .call('POST', `/api/v1/orders/${orderId}/charge`, {
          body: {},
          headers: { ...key, 'idempotency-key': `chaos-sigterm-${orderId}` },
        })
        .catch(() => null),
    ),
  );
  // In flight: each payment is written `creating` before its Stripe call (ADR 006).
  const allInFlight = await within(
    30_000,
    async () =>
      (
        await system.db.query<{ n: number }>(
          "select count(*)::int as n from payments where status = 'creating'",
        )
      ).rows[0]!.n >= payments,
    10,
  );
  const logBefore = system.log().length;
  const stopped = await system.terminate();
  const stopLog = system.log().slice(logBefore).slice(-4000);
  const answered = await answers;
  system.sim.sim.faults.latencyMs = 0;
  const histogram: Histogram = {};
  for (const answer of answered) count(histogram, label(answer));
  const unsettled = await unsettledPayments(system);
  const statuses = await orderStatuses(system, orders);
  const unpaid = orders.filter((id) => statuses.get(id) !== 'paid');
  // Up again for the integrity check (and to show a clean stop needs no recovery).
  await system.start();
  const problems = [
    ...(allInFlight ? [] : ['the payments never were all in flight at once']),
    ...(stopped.code === 0
      ? []
      : [`exit code ${stopped.code} (signal ${stopped.signal}); the server said:\n${stopLog}`]),
    ...(stopped.seconds <= graceSeconds
      ? []
      : [`took ${stopped.seconds} s, over the ${graceSeconds} s grace`]),
    ...answered.flatMap((answer, i) =>
      answer?.status === 200 ? [] : [`order ${orders[i]} answered ${label(answer)}`],
    ),
    ...(unsettled === 0 ? [] : [`${unsettled} payments left creating/unknown after the stop`]),
    ...unpaid.map((id) => `order ${id} ended ${statuses.get(id)}`),
  ];
  return {
    name: 'SIGTERM to npm start with payments in flight',
    figures: {
      payments_in_flight: payments,
      answers: JSON.stringify(histogram),
      exit_code: String(stopped.code),
      stop_seconds: stopped.seconds.toFixed(1),
      unsettled_after_stop: unsettled,
    },
    problems,
  };
}
