// Simulated mode: there is no dashboard to create the webhook endpoint in, so start-up registers
// one at the simulator and accepts its secret. An endpoint left by an earlier run (same URL) is
// removed first, or every event would be delivered once per restart.
import type { PaymentProvider } from '../../stripe/provider.ts';
import type { WebhookSecrets } from './secrets.ts';

export async function registerSimulatorEndpoint(provider: PaymentProvider, publicUrl: string, secrets: WebhookSecrets): Promise<string> {
  const url = `${publicUrl.replace(/\/$/, '')}/webhooks/stripe`;
  const existing = await provider.listWebhookEndpoints();
  for (const endpoint of existing.value) {
    if (endpoint.url === url) await provider.deleteWebhookEndpoint(endpoint.id);
  }
  const created = await provider.createWebhookEndpoint(url, ['*']);
  secrets.add(created.value.secret);
  return created.value.id;
}
