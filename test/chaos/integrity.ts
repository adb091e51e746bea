// Money integrity after a chaos run: what Paydeck recorded agrees with what Stripe (the
// simulator) holds, payment by payment and in total per currency, and the audit chain verifies.
import type { StripeObject } from '../../simulator/types.ts';
import { connectDatabase } from '../../src/db/client.ts';
import { verifyAuditChain } from '../../src/modules/audit/audit-log.ts';
import { KeyRing } from '../../src/lib/data-encryption.ts';
import { useKeyRing } from '../../src/lib/personal-data.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';
import { statusFromIntent } from '../../src/modules/payments/state.ts';
import type { IntentSnapshot } from '../../src/stripe/provider.ts';
import type { ChaosSystem } from './system.ts';

interface SimIntent extends StripeObject {
  status: IntentSnapshot['status'];
  amount_received: number;
  currency: string;
  metadata: Record<string, string>;
}
interface SimRefund extends StripeObject {
  status: string;
  amount: number;
  currency: string;
}

export interface IntegrityReport {
  ok: boolean;
  /** Per currency: net money (captured − refunded) in Paydeck and at Stripe. */
  net: Record<string, { paydeck: number; stripe: number }>;
  /** Payments whose state disagrees with their PaymentIntent. */
  mismatched: string[];
  /** PaymentIntents that took money and that Paydeck does not know. */
  unknownToPaydeck: string[];
  /** Orders holding more than one successful PaymentIntent. */
  doubleCharged: string[];
  /** Payments still waiting for an outcome. */
  unsettled: number;
  auditChain: { ok: boolean; checked: number; unsealed: number };
  problems: string[];
}

export async function checkIntegrity(system: ChaosSystem): Promise<IntegrityReport> {
  const intents = system.sim.sim.store.newestFirst<SimIntent>('payment_intents');
  const simRefunds = system.sim.sim.store.newestFirst<SimRefund>('refunds');
  const payments = (
    await system.db.query<{
      id: string;
      order_id: string;
      status: string;
      amount_captured: number;
      currency: string;
      pi: string | null;
    }>(
      'select id, order_id, status, amount_captured, currency, stripe_payment_intent_id as pi from payments',
    )
  ).rows;
  const refunds = (
    await system.db.query<{ amount: number; currency: string }>(
      "select amount, currency from refunds where status = 'succeeded'",
    )
  ).rows;

  const net: IntegrityReport['net'] = {};
  const add = (currency: string, side: 'paydeck' | 'stripe', amount: number) => {
    net[currency] ??= { paydeck: 0, stripe: 0 };
    net[currency][side] += amount;
  };
  for (const p of payments)
    if (p.status === 'succeeded') add(p.currency, 'paydeck', Number(p.amount_captured));
  for (const r of refunds) add(r.currency, 'paydeck', -Number(r.amount));
  for (const pi of intents)
    if (pi.status === 'succeeded') add(pi.currency, 'stripe', pi.amount_received);
  for (const r of simRefunds) if (r.status === 'succeeded') add(r.currency, 'stripe', -r.amount);

  const byIntent = new Map(payments.filter((p) => p.pi).map((p) => [p.pi!, p]));
  const mismatched: string[] = [];
  const unknownToPaydeck: string[] = [];
  const succeededPerOrder = new Map<string, number>();
  for (const pi of intents) {
    const payment = byIntent.get(pi.id);
    if (pi.status === 'succeeded' || pi.status === 'requires_capture') {
      const order = pi.metadata.paydeck_order_id ?? '?';
      succeededPerOrder.set(order, (succeededPerOrder.get(order) ?? 0) + 1);
      if (!payment) unknownToPaydeck.push(pi.id);
    }
    if (payment && payment.status !== statusFromIntent({ status: pi.status } as IntentSnapshot)) {
      mismatched.push(`${payment.id}: paydeck ${payment.status}, stripe ${pi.status}`);
    }
  }
  const doubleCharged = [...succeededPerOrder].filter(([, n]) => n > 1).map(([order]) => order);
  const unsettled = payments.filter(
    (p) => p.status === 'creating' || p.status === 'unknown',
  ).length;

  const database = connectDatabase(system.databaseUrl, { max: 1 });
  // Verification opens the IPs it checks against their commitments: the servers' ring (system.ts).
  useKeyRing(KeyRing.parse(TEST_DATA_ENCRYPTION_KEYS));
  let auditChain: IntegrityReport['auditChain'];
  try {
    // The running system's sealer chains every entry within about a second; give it a few.
    let verified = await verifyAuditChain(database.db);
    for (let i = 0; i < 20 && verified.ok && verified.unsealed > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      verified = await verifyAuditChain(database.db);
    }
    auditChain = { ok: verified.ok, checked: verified.checked, unsealed: verified.unsealed };
  } finally {
    await database.close();
  }

  const problems = [
    ...Object.entries(net)
      .filter(([, n]) => n.paydeck !== n.stripe)
      .map(([currency, n]) => `${currency}: Paydeck nets ${n.paydeck}, Stripe ${n.stripe}`),
    ...mismatched,
    ...unknownToPaydeck.map((id) => `${id} took money unknown to Paydeck`),
    ...doubleCharged.map((id) => `order ${id} charged more than once`),
    ...(unsettled ? [`${unsettled} payments still creating/unknown`] : []),
    ...(auditChain.ok ? [] : ['the audit chain does not verify']),
    ...(auditChain.unsealed ? [`${auditChain.unsealed} audit entries left unsealed`] : []),
  ];
  return {
    ok: problems.length === 0,
    net,
    mismatched,
    unknownToPaydeck,
    doubleCharged,
    unsettled,
    auditChain,
    problems,
  };
}
