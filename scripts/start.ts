// `npm start`: the whole system on its embedded defaults. Without STRIPE_SECRET_KEY it starts
// the Stripe simulator (state in DATA_DIR/simulator) and points the app at it through the same
// settings a real deployment uses; with Stripe keys it starts the app alone. The app itself
// never imports the simulator.
import path from 'node:path';
import { loadDotEnv } from '../src/config.ts';

async function start(): Promise<void> {
  loadDotEnv();
  let afterClose: (() => Promise<void>) | undefined;
  if (!process.env.STRIPE_SECRET_KEY) {
    const { startSimulator } = await import('../simulator/index.ts');
    const dataDir = path.join(process.env.DATA_DIR || './.data', 'simulator');
    const port = Number(process.env.SIMULATOR_PORT || 12111);
    const sim = await startSimulator({ port, host: '127.0.0.1', dataDir, quiet: true }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') throw err;
        console.error(
          `Paydeck cannot start: the Stripe simulator's port ${port} is already in use. ` +
            'Stop what is using it, or set SIMULATOR_PORT to a free port (0 picks one).',
        );
        process.exit(1);
      },
    );
    Object.assign(process.env, {
      STRIPE_SECRET_KEY: 'sk_test_paydeck_simulated',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_simulated',
      STRIPE_API_BASE: sim.url,
      STRIPE_JS_URL: `${sim.url}/v3/`,
      STRIPE_SIMULATED: 'true',
    });
    console.log(`Stripe simulator listening on ${sim.url} (state in ${dataDir})`);
    // Stopped after the server, so that payments in flight at a SIGTERM still reach "Stripe".
    afterClose = () => sim.close();
  }
  const { main } = await import('../src/server/main.ts');
  await main(afterClose ? { afterClose } : {});
}

start().catch((err) => {
  console.error('Paydeck failed to start:', err);
  process.exit(1);
});
