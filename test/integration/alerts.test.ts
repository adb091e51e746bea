// Alerts that reach a person (issue 11): a whole system of its own (startSystem: its own
// database, so the payments of other test files do not move its rates) with SMTP_URL pointing at
// a local SMTP server and ALERT_WEBHOOK_URL at a local HTTP receiver. Declines drive the success
// rate below its threshold; the evaluation (the job's own code, through the operator API) must
// send exactly one email and one chat message, none while it keeps firing, and one "resolved"
// each once payments succeed again — with every transition in the history and the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestApp } from '../helpers/app.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { aCustomer, aProduct, pay } from '../helpers/builders.ts';
import { asTestApp, startSystem, type RunningSystem } from '../helpers/system.ts';
import { anAdmin } from '../helpers/webhooks.ts';
import { startHttpReceiver, startSmtpSink } from '../helpers/receivers.ts';
import { eventually } from '../helpers/eventually.ts';
import type { components } from '../../web/src/types/generated/api.ts';

type Rule = components['schemas']['AlertRuleState'];
type AlertEvent = components['schemas']['AlertEvent'];

let system: RunningSystem;
let t: TestApp;
let admin: TestClient;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let chat: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  smtp = await startSmtpSink();
  chat = await startHttpReceiver();
  // Workers off: the test evaluates when it means to (the scheduled job runs the same code).
  system = await startSystem({
    RUN_WORKERS: 'false',
    SMTP_URL: smtp.url,
    ALERT_EMAIL_TO: 'oncall@example.com',
    ALERT_WEBHOOK_URL: chat.url,
  });
  t = asTestApp(system);
  admin = (await anAdmin(t)).client;
});
afterAll(async () => {
  await system.close();
  await smtp.close();
  await chat.close();
});

async function evaluate() {
  const res = await admin.request('POST', '/api/admin/alerts/evaluate');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    transitions: { rule_id: string; kind: string }[];
    sent: number;
    failed: number;
  };
}

async function rule(id: string): Promise<Rule> {
  const res = await admin.request('GET', '/api/admin/alerts');
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { data: Rule[] }).data.find((r) => r.id === id)!;
}

/** `n` payments by one customer, each on its own order, with the given test card. */
async function payments(n: number, paymentMethod: string) {
  const { client } = await aCustomer(t);
  const product = await aProduct(t, 1200);
  for (let i = 0; i < n; i++) {
    const order = await client.request('POST', '/api/orders', {
      body: { items: [{ product_id: product.id, quantity: 1 }] },
    });
    expect(order.statusCode, order.body).toBe(201);
    const res = await pay(client, (order.json() as { id: string }).id, {
      payment_method_id: paymentMethod,
    });
    expect(res.statusCode).toBe(paymentMethod === 'pm_card_visa' ? 200 : 402);
  }
}

const successRate = 'payment_success_rate_low';
const chatTexts = () => chat.bodies.map((b) => (b as { text: string }).text);

describe('the payment success rate alert', () => {
  it('when declines drive the success rate below 80 %, then it fires and one email and one chat message say so', async () => {
    await payments(2, 'pm_card_visa');
    await payments(10, 'pm_card_visa_chargeDeclined');

    const result = await evaluate();
    expect(result.transitions).toContainEqual({ rule_id: successRate, kind: 'firing' });
    expect(result).toMatchObject({ sent: 2, failed: 0 });

    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toMatchObject({ to: ['oncall@example.com'] });
    expect(smtp.messages[0]!.subject).toMatch(/FIRING.*success rate/i);
    expect(smtp.messages[0]!.raw).toMatch(/16\.7 % of 12 payments succeeded/);
    expect(chatTexts()).toHaveLength(1);
    expect(chatTexts()[0]).toMatch(/FIRING.*success rate/i);

    expect(await rule(successRate)).toMatchObject({ state: 'firing', value: 2 / 12 });
  });

  it('then every rule was measured (the database watch aside, which no query measures)', async () => {
    const res = await admin.request('GET', '/api/admin/alerts');
    const rules = res.json() as { data: Rule[]; channels: string[] };
    expect(rules.channels).toEqual(['email', 'chat webhook']);
    const unmeasured = rules.data.filter((r) => r.evaluated_at === null).map((r) => r.id);
    expect(unmeasured).toEqual(['database_unreachable']);
    // Workers are off, so the simulator's events wait: measured in minutes, far below 5.
    const lag = rules.data.find((r) => r.id === 'webhook_lag')!;
    expect(lag.state).toBe('ok');
    expect(lag.value).toBeGreaterThan(0);
    expect(lag.value).toBeLessThan(5);
  });

  it('when it keeps firing, then evaluating again sends nothing more', async () => {
    const result = await evaluate();
    expect(result.transitions.filter((x) => x.rule_id === successRate)).toEqual([]);
    expect(result.sent).toBe(0);
    expect(smtp.messages).toHaveLength(1);
    expect(chat.bodies).toHaveLength(1);
  });

  it('when payments succeed again, then it resolves and one "resolved" email and chat message go out', async () => {
    // 2 + 46 succeeded of 58: 82.8 %, above the threshold.
    await payments(46, 'pm_card_visa');
    const result = await evaluate();
    expect(result.transitions).toContainEqual({ rule_id: successRate, kind: 'resolved' });
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[1]!.subject).toMatch(/RESOLVED.*success rate/i);
    expect(chatTexts()).toHaveLength(2);
    expect(chatTexts()[1]).toMatch(/RESOLVED/);
    expect(await rule(successRate)).toMatchObject({ state: 'ok' });
  }, 120_000); // 46 payments one after another: slow on a loaded two-core machine

  it('then the history lists firing and resolved with their deliveries, and the audit log has each transition', async () => {
    const res = await admin.request('GET', `/api/admin/alerts/events?rule=${successRate}`);
    expect(res.statusCode, res.body).toBe(200);
    const events = (res.json() as { data: AlertEvent[] }).data;
    expect(events.map((e) => e.kind)).toEqual(['resolved', 'firing']);
    for (const e of events) {
      expect(e.deliveries.map((d) => d.channel).sort()).toEqual(['email', 'webhook']);
      expect(e.deliveries.every((d) => d.sent_at !== null && d.attempts === 1)).toBe(true);
    }
    const audit = await admin.request(
      'GET',
      `/api/admin/audit?target_type=alert&target_id=${successRate}`,
    );
    expect(audit.statusCode, audit.body).toBe(200);
    const actions = (audit.json() as { data: { action: string; actor_type: string }[] }).data;
    expect(actions.map((a) => a.action).sort()).toEqual(['alert.firing', 'alert.resolved']);
    expect(actions.every((a) => a.actor_type === 'system')).toBe(true);
  });
});

describe('delivery', () => {
  it('when the chat webhook fails, then the email still goes, and the chat message is retried until it is delivered', async () => {
    chat.setStatus(500);
    // A dispute-free, refund-free system: make the webhook signature rule fire instead.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${system.baseUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=forged' },
        body: '{}',
      });
      expect(res.status).toBe(400);
    }
    // The counts reach the database within the flush interval.
    const fired = await eventually(async () => {
      const r = await evaluate();
      return (
        r.transitions.some(
          (x) => x.rule_id === 'webhook_signature_failures' && x.kind === 'firing',
        ) && r
      );
    }, 500);
    expect(fired).toMatchObject({ sent: 1, failed: 1 });
    expect(smtp.messages.at(-1)!.subject).toMatch(/FIRING.*signature/i);

    chat.setStatus(200);
    // Retried after its back-off, not before: the next evaluation within the minute sends nothing.
    expect((await evaluate()).sent).toBe(0);
    const events = (
      await admin.request('GET', '/api/admin/alerts/events?rule=webhook_signature_failures')
    ).json() as {
      data: AlertEvent[];
    };
    expect(events.data[0]!.deliveries.find((d) => d.channel === 'webhook')).toMatchObject({
      sent_at: null,
      attempts: 1,
      last_error: 'the chat webhook answered 500',
    });

    // Once its back-off has passed (moved here rather than waited for), it is sent, once.
    await t.database.db.execute(
      sql`UPDATE alert_notifications SET next_attempt_at = now() WHERE sent_at IS NULL`,
    );
    expect((await evaluate()).sent).toBe(1);
    expect(chatTexts().at(-1)).toMatch(/FIRING.*signature/i);
    expect(smtp.messages.filter((m) => /signature/i.test(m.subject))).toHaveLength(1);
  });
});

describe('the operator', () => {
  it('when an operator acknowledges a firing alert, then it is recorded with who did it', async () => {
    const res = await admin.request(
      'POST',
      '/api/admin/alerts/webhook_signature_failures/acknowledge',
    );
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as Rule).acknowledged_at).not.toBeNull();
    const audit = (
      await admin.request(
        'GET',
        '/api/admin/audit?target_type=alert&target_id=webhook_signature_failures',
      )
    ).json() as { data: { action: string; actor_type: string }[] };
    expect(audit.data).toContainEqual(
      expect.objectContaining({ action: 'alert.acknowledged', actor_type: 'admin' }),
    );
  });

  it('when an operator silences a rule until a moment, then it is kept; a silence in the past or beyond 30 days is refused', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const ok = await admin.request('POST', `/api/admin/alerts/${successRate}/silence`, {
      body: { until },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((ok.json() as Rule).silenced_until).toBe(until);
    const lifted = await admin.request('POST', `/api/admin/alerts/${successRate}/silence`, {
      body: { until: null },
    });
    expect((lifted.json() as Rule).silenced_until).toBeNull();

    for (const bad of [
      new Date(Date.now() - 1000).toISOString(),
      new Date(Date.now() + 31 * 86_400_000).toISOString(),
    ]) {
      const res = await admin.request('POST', `/api/admin/alerts/${successRate}/silence`, {
        body: { until: bad },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'silence_out_of_range', field: 'until' } });
    }
  });

  it('when the rule is unknown or the input is odd, then 404 or 400 in the error shape', async () => {
    expect(
      (await admin.request('POST', '/api/admin/alerts/no_such_rule/acknowledge')).statusCode,
    ).toBe(404);
    const odd = await admin.request('POST', '/api/admin/alerts/Bad%00Rule/acknowledge');
    expect(odd.statusCode).toBe(400);
    expect(
      (await admin.request('GET', '/api/admin/alerts/events?starting_after=1e308')).statusCode,
    ).toBe(400);
    const body = await admin.request('POST', `/api/admin/alerts/${successRate}/silence`, {
      body: { until: 'soon' },
    });
    expect(body.statusCode).toBe(400);
    expect(body.json()).toHaveProperty('error.code');
  });

  it('when a customer asks for the alerts, then 403', async () => {
    const { client } = await aCustomer(t);
    expect((await client.request('GET', '/api/admin/alerts')).statusCode).toBe(403);
    expect((await client.request('POST', '/api/admin/alerts/evaluate')).statusCode).toBe(403);
  });
});
