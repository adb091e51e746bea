// Simulated mode: there is no dashboard to create the webhook endpoint in, so start-up registers
// one at the simulator and accepts its secret. The endpoint and its secret are kept in DATA_DIR
// and reused on the next start: deleting and re-creating the endpoint would drop every event
// the simulator still had to deliver to it (after a crash, exactly the events that settle the
// payments in flight). Other endpoints left with the same URL are removed, or every event would
// be delivered once per leftover.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PaymentProvider } from '../../stripe/provider.ts';
import type { WebhookSecrets } from './secrets.ts';
import { SUBSCRIBED_STRIPE_EVENTS } from './service.ts';

interface SavedEndpoint {
  id: string;
  url: string;
  secret: string;
}

/** Where the simulator endpoint's id and secret are kept between runs (simulated mode only). */
export function endpointFile(dataDir: string): string {
  return path.join(dataDir, 'simulator-webhook-endpoint.json');
}

// The file's path comes from the operator's DATA_DIR, never from a request.
/* eslint-disable security/detect-non-literal-fs-filename */
function load(file: string): SavedEndpoint | undefined {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedEndpoint>;
    return typeof saved.id === 'string' &&
      typeof saved.url === 'string' &&
      typeof saved.secret === 'string'
      ? { id: saved.id, url: saved.url, secret: saved.secret }
      : undefined;
  } catch {
    return undefined;
  }
}

function save(file: string, endpoint: SavedEndpoint): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(endpoint), { mode: 0o600 });
}
/* eslint-enable security/detect-non-literal-fs-filename */

export async function registerSimulatorEndpoint(
  provider: PaymentProvider,
  publicUrl: string,
  secrets: WebhookSecrets,
  dataDir: string,
): Promise<string> {
  const url = `${publicUrl.replace(/\/$/, '')}/webhooks/stripe`;
  const file = endpointFile(dataDir);
  const existing = (await provider.listWebhookEndpoints()).value.filter(
    (endpoint) => endpoint.url === url,
  );
  const saved = load(file);
  let keep: SavedEndpoint;
  if (saved && saved.url === url && existing.some((endpoint) => endpoint.id === saved.id)) {
    keep = saved;
  } else {
    const created = await provider.createWebhookEndpoint(url, SUBSCRIBED_STRIPE_EVENTS);
    keep = { id: created.value.id, url, secret: created.value.secret };
    save(file, keep);
  }
  secrets.add(keep.secret);
  for (const endpoint of existing) {
    if (endpoint.id !== keep.id) await provider.deleteWebhookEndpoint(endpoint.id);
  }
  return keep.id;
}
