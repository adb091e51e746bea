// Shared set-up for the simulator's contract tests: a simulator on a random port, the real
// Stripe SDK pointed at it, a webhook receiver, and the control API.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  startSimulator,
  type SimulatorHandle,
  type SimulatorOptions,
} from '../../simulator/index.ts';

export async function startSim(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({ port: 0, quiet: true, webhookRetryBaseMs: 20, ...options });
}

export function sdk(
  sim: SimulatorHandle,
  key = 'sk_test_simulator',
  config: Stripe.StripeConfig = {},
): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: sim.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    ...config,
  });
}

export async function control(
  sim: SimulatorHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Plays the customer in the 3DS challenge. */
export async function settle3ds(
  sim: SimulatorHandle,
  intentId: string,
  outcome: 'complete' | 'fail',
) {
  return control(sim, 'POST', `/_sim/3ds/${intentId}/${outcome}`);
}

/** Raw form-encoded call, for what the SDK won't send (bad keys, raw bodies). */
export async function raw(
  sim: SimulatorHandle,
  method: string,
  path: string,
  opts: { key?: string | null; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const key = opts.key === undefined ? 'sk_test_simulator' : opts.key;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(opts.body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      ...opts.headers,
    },
    body: opts.body,
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json()) as Record<string, unknown>,
  };
}

export interface Received {
  body: string;
  signature: string;
  at: number;
}

/** A webhook receiver answering with `status(n)` for the n-th request (1-based). */
export async function startReceiver(
  status: (n: number, body: string) => number = () => 200,
): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body, signature: String(req.headers['stripe-signature']), at: Date.now() });
      res.writeHead(status(received.length, body));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Next year, for card expiry dates that are always valid. */
export const NEXT_YEAR = new Date().getUTCFullYear() + 1;

export async function cardPaymentMethod(
  stripe: Stripe,
  number: string,
): Promise<Stripe.PaymentMethod> {
  return stripe.paymentMethods.create({
    type: 'card',
    card: { number, exp_month: 12, exp_year: NEXT_YEAR, cvc: '123' },
  });
}

/** Runs `fn` and returns the Stripe error it throws (failing the test if it does not). */
export async function stripeError(fn: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof Stripe.errors.StripeError) return e;
    throw e;
  }
  throw new Error('expected a Stripe error');
}
