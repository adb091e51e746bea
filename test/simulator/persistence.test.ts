// With a data directory, state survives a restart. Each test has its own directory and data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sdk, startSim } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh, empty data directory for one test. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-sim-'));
  dirs.push(dir);
  return dir;
}

describe('persistence', () => {
  it('when restarted with the same data dir, then objects, events, secrets and idempotency keys remain', async () => {
    const dir = dataDir();
    const first = await startSim({ dataDir: dir });
    const stripe = sdk(first);
    const customer = await stripe.customers.create({ email: 'keep@example.com' });
    const pm = await stripe.paymentMethods.attach('pm_card_authenticationRequiredOnSetup', {
      customer: customer.id,
    });
    const si = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      allowed_payment_method_types: ['card'],
    });
    await fetch(`${first.url}/_sim/3ds/${si.id}/complete`, { method: 'POST' });
    const pi = await stripe.paymentIntents.create(
      {
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
        off_session: true,
      },
      { idempotencyKey: 'persisted-key' },
    );
    const we = await stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/hook',
      enabled_events: ['*'],
    });
    await first.close();

    const second = await startSim({ dataDir: dir });
    const again = sdk(second);
    try {
      expect((await again.customers.retrieve(customer.id)) as { email: string }).toMatchObject({
        email: 'keep@example.com',
      });
      expect((await again.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
      expect((await again.events.list({ limit: 100 })).data.length).toBeGreaterThan(5);
      const replay = await again.paymentIntents.create(
        {
          amount: 1000,
          currency: 'usd',
          customer: customer.id,
          payment_method: pm.id,
          allowed_payment_method_types: ['card'],
          confirm: true,
          off_session: true,
        },
        { idempotencyKey: 'persisted-key' },
      );
      expect(replay.id).toBe(pi.id);
      // The card stays "set up" for off-session use across the restart.
      const later = await again.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        allowed_payment_method_types: ['card'],
        confirm: true,
        off_session: true,
      });
      expect(later.status).toBe('succeeded');
      const secret = await fetch(`${second.url}/_sim/webhook_endpoints/${we.id}/secret`).then(
        (r) => r.json() as Promise<{ secret: string }>,
      );
      expect(secret.secret).toBe(we.secret);
    } finally {
      await second.close();
    }
  });

  it('when reset, then the persisted state is emptied too', async () => {
    const dir = dataDir();
    // This test's own data, persisted: it survives a restart before the reset.
    const first = await startSim({ dataDir: dir });
    const customer = await sdk(first).customers.create({ email: 'gone@example.com' });
    await sdk(first).webhookEndpoints.create({
      url: 'http://127.0.0.1:9/hook',
      enabled_events: ['*'],
    });
    await first.close();
    const sim = await startSim({ dataDir: dir });
    try {
      const before = sdk(sim);
      expect((await before.customers.list()).data.map((c) => c.id)).toEqual([customer.id]);
      expect((await before.webhookEndpoints.list()).data).toHaveLength(1);
      await sim.reset();
    } finally {
      await sim.close();
    }
    const after = await startSim({ dataDir: dir });
    try {
      const stripe = sdk(after);
      expect((await stripe.customers.list()).data).toHaveLength(0);
      expect((await stripe.webhookEndpoints.list()).data).toHaveLength(0);
      expect((await stripe.events.list()).data).toHaveLength(0);
    } finally {
      await after.close();
    }
  });
});
