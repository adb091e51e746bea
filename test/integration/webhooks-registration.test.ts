// Simulated mode registers Paydeck's webhook endpoint at the simulator on start-up and keeps it
// (id and secret in DATA_DIR) across restarts, so the events the simulator still has to deliver
// are not dropped. Called here as start-up calls it, against a simulator of the test's own.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { providerFromConfig } from '../../src/server/app.ts';
import {
  endpointFile,
  registerSimulatorEndpoint,
} from '../../src/modules/webhooks/registration.ts';
import { WebhookSecrets } from '../../src/modules/webhooks/secrets.ts';
import { SUBSCRIBED_STRIPE_EVENTS } from '../../src/modules/webhooks/service.ts';
import type { PaymentProvider } from '../../src/stripe/provider.ts';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';
import { testEnv } from '../helpers/app.ts';

/* eslint-disable security/detect-non-literal-fs-filename -- paths under the test's own temporary DATA_DIR */

let sim: SimulatorHandle;
let provider: PaymentProvider;
let dataDir: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, quiet: true });
  provider = providerFromConfig(
    loadConfig({
      ...testEnv,
      STRIPE_API_BASE: sim.url,
      STRIPE_SIMULATED: 'true',
      DATABASE_URL: 'postgres://unused',
    }),
  );
  dataDir = mkdtempSync(path.join(tmpdir(), 'paydeck-registration-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function endpointsAt(url: string) {
  return (await provider.listWebhookEndpoints()).value.filter((e) => e.url === url);
}

describe('registering the simulator endpoint', () => {
  it('when Paydeck starts for the first time, then it creates one endpoint for the events it acts on, accepts its secret and keeps both in DATA_DIR', async () => {
    const dir = path.join(dataDir, 'first', 'nested');
    const secrets = new WebhookSecrets([]);
    const id = await registerSimulatorEndpoint(provider, 'http://first.test/', secrets, dir);

    expect(await endpointsAt('http://first.test/webhooks/stripe')).toEqual([
      expect.objectContaining({ id }),
    ]);
    const file = endpointFile(dir);
    expect(file).toBe(path.join(dir, 'simulator-webhook-endpoint.json'));
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(saved).toEqual({
      id,
      url: 'http://first.test/webhooks/stripe',
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(secrets.all()).toEqual([saved.secret]);

    // Subscribed to what processing acts on, not to every event (ADR 032).
    const endpoint = (await await fetch(`${sim.url}/v1/webhook_endpoints/${id}`, {
      headers: { authorization: `Bearer ${testEnv.STRIPE_SECRET_KEY}` },
    }).then((r) => r.json())) as { enabled_events: string[] };
    expect(endpoint.enabled_events).toEqual(SUBSCRIBED_STRIPE_EVENTS);
    expect(endpoint.enabled_events).toContain('payment_intent.succeeded');
    expect(endpoint.enabled_events).not.toContain('payment_intent.created');
  });

  it("when an operator reads the README to create Stripe's endpoint, then it lists exactly the events Paydeck subscribes to", () => {
    const readme = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    const paragraph = readme.slice(readme.indexOf("The endpoint in Stripe's dashboard needs"));
    const listed = paragraph
      .slice(0, paragraph.indexOf('\n\n'))
      .match(/`[a-z_.]+`/g)!
      .map((name) => name.slice(1, -1));
    expect(listed).toEqual(SUBSCRIBED_STRIPE_EVENTS);
  });

  it('when it restarts with the endpoint saved, then it keeps that endpoint and secret, and removes leftovers with the same URL', async () => {
    const dir = path.join(dataDir, 'restart');
    const url = 'http://restart.test/webhooks/stripe';
    const first = await registerSimulatorEndpoint(
      provider,
      'http://restart.test',
      new WebhookSecrets([]),
      dir,
    );
    const savedBefore = readFileSync(endpointFile(dir), 'utf8');
    // A leftover (e.g. from a run without DATA_DIR) would deliver every event twice.
    await provider.createWebhookEndpoint(url, ['*']);
    expect(await endpointsAt(url)).toHaveLength(2);

    const secrets = new WebhookSecrets([]);
    const again = await registerSimulatorEndpoint(provider, 'http://restart.test', secrets, dir);
    expect(again).toBe(first);
    expect(await endpointsAt(url)).toEqual([expect.objectContaining({ id: first })]);
    expect(readFileSync(endpointFile(dir), 'utf8')).toBe(savedBefore);
    expect(secrets.all()).toEqual([(JSON.parse(savedBefore) as { secret: string }).secret]);
  });

  it('when the saved endpoint is gone, belongs to another URL, has no secret or the file is unreadable, then a new endpoint is created and saved, and only leftovers of this URL are removed', async () => {
    const other = await registerSimulatorEndpoint(
      provider,
      'http://other.test',
      new WebhookSecrets([]),
      path.join(dataDir, 'other'),
    );
    for (const name of ['gone', 'moved', 'garbled', 'no-secret']) {
      const dir = path.join(dataDir, name);
      const base = `http://${name}.test`;
      const url = `${base}/webhooks/stripe`;
      // An endpoint left at this URL, not the one the file names (or named by a file without
      // its secret): it cannot be used and must go.
      const leftover = (await provider.createWebhookEndpoint(url, ['*'])).value.id;
      let previous: string | undefined;
      mkdirSync(dir, { recursive: true });
      if (name === 'moved') {
        // Saved for another public URL: that endpoint exists, but is not this one.
        previous = await registerSimulatorEndpoint(
          provider,
          'http://elsewhere.test',
          new WebhookSecrets([]),
          dir,
        );
      } else {
        const saved = {
          gone: JSON.stringify({ id: 'we_gone', url, secret: 'whsec_gone' }),
          garbled: 'not json',
          'no-secret': JSON.stringify({ id: leftover, url }),
        }[name]!;
        writeFileSync(endpointFile(dir), saved);
      }
      const secrets = new WebhookSecrets([]);
      const id = await registerSimulatorEndpoint(provider, base, secrets, dir);
      expect([previous, 'we_gone', leftover], name).not.toContain(id);
      expect(await endpointsAt(url), name).toEqual([expect.objectContaining({ id })]);
      const file = JSON.parse(readFileSync(endpointFile(dir), 'utf8')) as Record<string, string>;
      expect(file, name).toEqual({ id, url, secret: expect.stringMatching(/^whsec_/) });
      expect(secrets.all(), name).toEqual([file.secret]);
    }
    expect(await endpointsAt('http://other.test/webhooks/stripe')).toEqual([
      expect.objectContaining({ id: other }),
    ]);
  });
});
