// Starts a simulator in-process (tests) or alone (main.ts). The app never imports this: it
// reaches the simulator only through configuration.
import type { AddressInfo } from 'node:net';
import { createSimulatorServer, type Logger } from './server.ts';
import { Sim } from './sim.ts';

export interface SimulatorOptions {
  /** 0 picks a free port. Default 12111. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Persist state here (a JSON snapshot written shortly after changes and on close). */
  dataDir?: string;
  /** First webhook retry delay; doubles each attempt. Default 1000 ms; tests use a few ms. */
  webhookRetryBaseMs?: number;
  /** An endpoint not answering within this fails the attempt. Default 10 s. */
  webhookTimeoutMs?: number;
  /** Attempts per delivery, the first included. Default 6. */
  webhookMaxAttempts?: number;
  /** Seed for fault injection and webhook reordering (reproducible runs). Default 1. */
  seed?: number;
  /** Where browsers reach the simulator, if not at the listening address (3DS page URLs). */
  publicUrl?: string;
  logger?: Logger;
  /** No logging at all. */
  quiet?: boolean;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  /** Stops listening, drops open connections and pending webhooks, writes the snapshot. */
  close(): Promise<void>;
  /** Forgets all state, faults and logs, like `POST /_sim/reset`. */
  reset(): Promise<void>;
  /** The simulator's state, for tests that need to look inside. */
  sim: Sim;
}

/* eslint-disable no-console -- the default logger of a developer tool */
const consoleLogger: Logger = {
  info: (m) => console.log(`[stripe-sim] ${m}`),
  error: (m, e) => console.error(`[stripe-sim] ${m}`, e ?? ''),
};
/* eslint-enable no-console */
const silent: Logger = { info: () => {}, error: () => {} };

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const logger = options.quiet ? silent : (options.logger ?? consoleLogger);
  const sim = new Sim({
    dataDir: options.dataDir,
    seed: options.seed,
    webhooks: {
      ...(options.webhookRetryBaseMs !== undefined && { retryBaseMs: options.webhookRetryBaseMs }),
      ...(options.webhookTimeoutMs !== undefined && { timeoutMs: options.webhookTimeoutMs }),
      ...(options.webhookMaxAttempts !== undefined && { maxAttempts: options.webhookMaxAttempts }),
    },
  });
  const server = createSimulatorServer(sim, logger);
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 12111, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  sim.baseUrl = options.publicUrl ?? url;
  logger.info(`listening on ${url}${options.dataDir ? ` (data in ${options.dataDir})` : ''}`);
  return {
    url,
    port,
    sim,
    reset: async () => sim.reset(),
    close: async () => {
      sim.stopTimers();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sim.store.flush();
    },
  };
}
