// Environments for loadConfig tests: the three Stripe modes with what each needs to start, and
// the problems a ConfigError names (none when the configuration loads).
import { ConfigError, loadConfig } from '../../src/config.ts';

export const simulatedEnv = {
  STRIPE_SECRET_KEY: 'sk_test_x',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
  STRIPE_SIMULATED: 'true',
  STRIPE_API_BASE: 'http://127.0.0.1:12111',
};

export const testModeEnv = { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_PUBLISHABLE_KEY: 'pk_test_x' };

/** Live mode with every safety net it requires. */
export const liveEnv = {
  STRIPE_SECRET_KEY: 'sk_live_x',
  STRIPE_PUBLISHABLE_KEY: 'pk_live_x',
  STRIPE_WEBHOOK_SECRETS: 'whsec_x',
  PUBLIC_URL: 'https://pay.example.com',
  DATABASE_URL: 'postgres://db.example.com/paydeck',
  METRICS_TOKEN: 'a-metrics-token-for-prometheus',
  DATA_ENCRYPTION_KEYS: `live1:${Buffer.alloc(32, 'live key').toString('base64')}`,
};

/** What loadConfig refuses in `env`, one message per problem; [] when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
