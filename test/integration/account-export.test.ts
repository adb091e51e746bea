// The data export against docs/compliance/data-map.md (issue 12, item 4): every table the map
// lists with personal data is either exported or left out with a reason written here, and for a
// customer who has data in every exported table, every personal value we hold about them is in
// their export. A new personal-data table (or column) in the map fails this test until someone
// says where the export shows it, or why it does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { anApiKey } from '../helpers/api-keys.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithCard, aMerchantOrder, aSavedCard, pay } from '../helpers/builders.ts';
import { readRepoFile } from '../helpers/ops-files.ts';
import { isSealed, open } from '../../src/lib/personal-data.ts';
import { stripeFor } from '../helpers/stripe.ts';
import { processQueuedWebhooks, webhooksDelivered } from '../helpers/webhooks.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  // Stripe (the simulator) delivers its events to this app, as it would in production.
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as { port: number };
  const endpoint = await stripeFor(t).webhookEndpoints.create({
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    enabled_events: ['*'],
  });
  t.app.services.webhookSecrets.add(endpoint.secret!);
});
afterAll(() => t.close());

/** A customer's rows in a table, found from their user id and email. */
type RowsOf = (user: { id: string; email: string }) => SQL;

type Coverage =
  | {
      /** Every row of this table about the customer. */
      rows: RowsOf;
      /** The part of the export that shows them (`user_id` is checked against `profile`). */
      section: string;
      /** Personal columns whose values the export must hold. */
      exported: string[];
      /** Personal columns left out of the export on purpose, and why. */
      notExported?: Record<string, string>;
    }
  | { excluded: string };

const ofUser: RowsOf = (u) => sql`user_id = ${u.id}`;
const ofTheirOrders = (u: { id: string }) =>
  sql`order_id IN (SELECT id FROM orders WHERE user_id = ${u.id})`;

/** Where the export shows each table of the data map that holds personal data. */
const COVERAGE: Record<string, Coverage> = {
  users: {
    section: 'profile',
    rows: (u) => sql`id = ${u.id}`,
    exported: ['email', 'name', 'metadata'],
  },
  legal_acceptances: {
    section: 'legal_acceptances',
    rows: ofUser,
    exported: ['user_id', 'ip'],
  },
  sessions: {
    section: 'sessions',
    rows: ofUser,
    exported: ['user_id', 'ip', 'user_agent'],
  },
  stripe_customers: {
    section: 'stripe_customer',
    rows: ofUser,
    exported: ['user_id', 'stripe_customer_id'],
  },
  payment_methods: {
    section: 'payment_methods',
    rows: ofUser,
    exported: [
      'user_id',
      'stripe_payment_method_id',
      'brand',
      'last4',
      'exp_month',
      'exp_year',
      'fingerprint',
    ],
  },
  orders: {
    section: 'orders',
    rows: ofUser,
    exported: ['user_id', 'description', 'metadata'],
    notExported: {
      created_by:
        'who created the order: the customer themselves (their id is in the profile) or the merchant backend’s API key, which is not about them',
    },
  },
  payments: {
    section: 'orders',
    rows: ofUser,
    exported: [
      'user_id',
      'stripe_payment_method_id',
      'card_brand',
      'card_last4',
      'card_exp_month',
      'card_exp_year',
    ],
  },
  refunds: {
    section: 'orders',
    rows: ofTheirOrders,
    exported: ['reason'],
    notExported: {
      created_by_id: 'the operator or API key that refunded: someone else’s id, not about them',
    },
  },
  disputes: {
    section: 'disputes',
    rows: (u) => sql`payment_id IN (SELECT id FROM payments WHERE user_id = ${u.id})`,
    exported: [],
  },
  outbox: {
    section: 'messages',
    rows: ofUser,
    exported: ['user_id', 'payload'],
  },
  audit_entries: {
    section: 'activity',
    rows: (u) => sql`actor_id = ${u.id} OR target_id = ${u.id}
      OR target_id IN (SELECT id::text FROM orders WHERE user_id = ${u.id})
      OR target_id IN (SELECT id::text FROM payments WHERE user_id = ${u.id})`,
    exported: ['ip', 'before', 'after'],
    notExported: {
      actor_id:
        'who acted: the export says `by_you` for the customer’s own actions; an operator’s or API key’s id is about someone else',
      ip_salt:
        'the key that ties the IP to its commitment in the hash chain: the IP itself is exported',
      ip_commitment: 'an HMAC of the IP, for the hash chain: the IP itself is exported',
    },
  },
  webhook_events: {
    section: 'stripe_events',
    rows: (u) => sql`object_id IN (
      SELECT stripe_payment_intent_id FROM payments WHERE user_id = ${u.id}
      UNION SELECT stripe_charge_id FROM payments WHERE user_id = ${u.id})`,
    exported: ['payload'],
  },
  idempotency_keys: {
    excluded:
      'stored answers kept 24 hours for safe retries: copies of orders and payments the export already holds',
  },
  api_keys: { excluded: 'the operators’ keys; no customer data' },
  caught_mail: {
    excluded:
      'the local mail catcher (never in live mode) keeps copies of what was mailed; what the customer’s messages said is in the export under messages',
  },
  password_resets: {
    excluded:
      'the hashes of emailed password-reset links: secrets, used once or expired within 30 minutes',
  },
  alert_states: { excluded: 'operators acknowledging alerts; no customer data' },
  operator_totp: { excluded: 'operators’ second factor; customers have none' },
  recovery_codes: { excluded: 'operators’ one-time sign-in codes; customers have none' },
  merchant_events: {
    excluded:
      'what was sent to the merchant’s backend about their orders, refunds, disputes and profile: copies of what the export already holds (the email and name are erased at deletion)',
  },
  merchant_webhook_endpoints: { excluded: 'the merchant’s endpoints and signing secrets' },
  merchant_webhook_attempts: {
    excluded: 'the merchant backend’s answers to deliveries; the content sent is merchant_events',
  },
};

const map = readRepoFile('docs/compliance/data-map.md');

/** table → its personal-data columns (secrets apart) and its secrets, from the map. */
function personalColumnsInMap(): Map<string, { personal: string[]; secrets: string[] }> {
  const tables = new Map<string, { personal: string[]; secrets: string[] }>();
  for (const section of map.split(/^## /m).slice(1)) {
    const [heading = '', ...rest] = section.split('\n');
    if (!/^[a-z_]+$/.test(heading.trim())) continue;
    const personal: string[] = [];
    const secrets: string[] = [];
    for (const [, column, cell] of rest.join('\n').matchAll(/^\| `([a-z_0-9]+)`\s*\|([^|]*)\|/gm)) {
      (cell!.trim().startsWith('secret') ? secrets : personal).push(column!);
    }
    tables.set(heading.trim(), { personal, secrets });
  }
  return tables;
}

/**
 * The strings a stored value shows as: itself, or each leaf of a JSON value — except an intent's
 * `client_secret` in Stripe's events, which the export leaves out (it would let anyone holding the
 * file confirm that intent).
 */
function leaves(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (value instanceof Date) return [];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === 'object')
    return Object.entries(value)
      .filter(([key]) => key !== 'client_secret')
      .flatMap(([, item]) => leaves(item));
  return [String(value)];
}

describe('the data export against the data map', () => {
  it('when the map lists a table with personal data, then the export covers it or says why not, column by column', () => {
    const mapped = personalColumnsInMap();
    const withPersonalData = [...mapped].filter(
      ([, c]) => c.personal.length + c.secrets.length > 0,
    );
    expect(withPersonalData.map(([table]) => table).sort()).toEqual(
      Object.keys(COVERAGE)
        .filter((table) => table !== 'disputes')
        .sort(),
    );
    const problems: string[] = [];
    for (const [table, { personal }] of withPersonalData) {
      const coverage = COVERAGE[table]!;
      if ('excluded' in coverage) continue;
      const said = [...coverage.exported, ...Object.keys(coverage.notExported ?? {})];
      for (const c of personal)
        if (!said.includes(c)) problems.push(`${table}.${c}: not exported, no reason given`);
      for (const c of said)
        if (!personal.includes(c)) problems.push(`${table}.${c}: not personal data in the map`);
    }
    expect(problems).toEqual([]);
  });

  it('when a customer has data everywhere, then every personal value we hold about them is in their export, and no secret', async () => {
    // A card saved (Stripe customer, wallet); an order of the merchant's with a description and
    // metadata, paid and partly refunded; a disputed payment; an off-session charge that needs
    // them back (a message for them); Stripe's events about all of it.
    const { client, user } = await aCustomerWithCard(t, '4000002760003184');
    await aSavedCard(t, client, '4242424242424242');
    const { api } = await anApiKey(t);
    const order = await aMerchantOrder(api, {
      customer_id: user.id,
      description: 'Annual plan for Ada',
      metadata: { crm_ref: 'ada-lovelace-1815' },
    });
    expect((await pay(client, order.id, { payment_method_id: 'pm_card_visa' })).statusCode).toBe(
      200,
    );
    const refund = await api.request('POST', `/api/v1/orders/${order.id}/refunds`, {
      body: { amount: 1000, reason: 'requested_by_customer' },
    });
    expect(refund.statusCode, refund.body).toBe(200);
    const disputed = await aMerchantOrder(api, { customer_id: user.id });
    await pay(client, disputed.id, { payment_method_id: 'pm_card_createDispute' });
    const needsThem = await aMerchantOrder(api, { customer_id: user.id });
    const charge = await api.request('POST', `/api/v1/orders/${needsThem.id}/charge`, {
      body: {},
    });
    expect(charge.json().error?.code).toBe('authentication_required');
    await webhooksDelivered(t);
    await processQueuedWebhooks(t);

    const res = await client.request('GET', '/api/account/export');
    expect(res.statusCode).toBe(200);
    const exported = res.body;
    const body = res.json() as Record<string, unknown>;
    expect(body.disputes).toHaveLength(1);

    const missing: string[] = [];
    const mapped = personalColumnsInMap();
    for (const [table, coverage] of Object.entries(COVERAGE)) {
      const secrets = mapped.get(table)?.secrets ?? [];
      if ('excluded' in coverage) continue;
      const { rows } = await t.database.db.execute(
        sql`SELECT * FROM ${sql.identifier(table)} WHERE ${coverage.rows(user)}`,
      );
      if (rows.length === 0) missing.push(`${table}: the customer has no rows (build some)`);
      for (const row of rows as Array<Record<string, unknown>>) {
        for (const column of coverage.exported) {
          const shown = JSON.stringify(body[column === 'user_id' ? 'profile' : coverage.section]);
          // Encrypted columns (ADR 027) are compared by what they hold, opened with the app's key.
          const stored = row[column];
          const held =
            typeof stored === 'string' && isSealed(stored)
              ? open(stored, `${table}.${column}`)
              : stored;
          for (const value of leaves(held)) {
            if (!shown.includes(JSON.stringify(value).slice(1, -1)))
              missing.push(
                `${table}.${column}: ${value} is not in the export's ${coverage.section}`,
              );
          }
        }
        for (const column of secrets) {
          const value = row[column];
          if (typeof value === 'string' && value.length > 8 && exported.includes(value))
            missing.push(`${table}.${column} is a secret and is in the export`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(exported).not.toMatch(/4000002760003184|4242424242424242/);
    expect(exported).toContain('payment_intent.succeeded');
    expect(exported).not.toMatch(/_secret_/);
  });
});
