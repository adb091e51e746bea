// Loaded before an entry point, so that OpenTelemetry can instrument `pg` and `node:http` as the
// application imports them (ADR 021): scripts/launch.mjs imports it first (`npm start`,
// `npm run worker`), the image runs `node --import ./dist/server/src/observability/preload.js …`,
// and `npm run dev` passes it to tsx. With no OTLP endpoint set it reads the settings and
// returns: no loader hook, no SDK, nothing imported.
import { register } from 'node:module';
import { ConfigError, loadDotEnv, loadTracingSettings } from '../config.ts';

loadDotEnv();
let settings;
try {
  settings = loadTracingSettings();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`Paydeck cannot start.\n${err.message}\nSee .env.example for every setting.`);
  process.exit(1);
}

if (settings.enabled) {
  // ES modules are instrumented through a loader hook (import-in-the-middle) limited to the
  // modules the instrumentations patch; CommonJS ones through require hooks. Node.js 22.22.3+,
  // 24.11.1+ and 26 run the hook in this thread (module.registerHooks); older 22 and 24 lines
  // on a loader thread (module.register, deprecated from Node.js 26).
  const hooks = await import('import-in-the-middle/register-hooks.mjs');
  const sdk = await import('./sdk.ts');
  if (hooks.supportsSyncHooks()) {
    const instrumentations = sdk.createInstrumentations();
    hooks.register({ include: sdk.instrumentedModules(instrumentations) });
    sdk.startTracing(settings, instrumentations);
  } else {
    const { createAddHookMessageChannel } = await import('import-in-the-middle');
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    sdk.startTracing(settings, sdk.createInstrumentations());
    await waitForAllMessagesAcknowledged();
  }
}
