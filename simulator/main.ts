// `npm run sim`: the simulator alone, configured by the environment.
import { startSimulator } from './index.ts';

function envPort(): number {
  const raw = process.env.SIMULATOR_PORT ?? '12111';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`SIMULATOR_PORT must be a port number, got "${raw}"`);
    process.exit(1);
  }
  return port;
}

const handle = await startSimulator({
  port: envPort(),
  host: process.env.SIMULATOR_HOST ?? '127.0.0.1',
  dataDir: process.env.SIMULATOR_DATA_DIR || undefined,
  publicUrl: process.env.SIMULATOR_PUBLIC_URL || undefined,
});

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    void handle.close().then(() => process.exit(0));
  });
}
