// The one typed, validated view of the environment (STYLE.md §4). Read once at start-up; a bad
// value stops the process with a message naming the variable. Behaviour never switches on
// NODE_ENV: every difference between environments is a setting listed in .env.example.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('localhost'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  REDIS_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(25),

  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must look like sk_test_… or sk_live_…')
    .optional(),
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_(test|live)_[A-Za-z0-9_]+$/, 'must look like pk_test_… or pk_live_…')
    .optional(),
  STRIPE_WEBHOOK_SECRETS: commaList.optional(),
  STRIPE_API_BASE: z.string().url().optional(),
  STRIPE_JS_URL: z.string().url().optional(),
  STRIPE_SIMULATED: bool.default(false),
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(80_000).default(20_000),
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),

  SESSION_IDLE_TIMEOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_TIMEOUT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  TRUST_PROXY: z.string().default('false'),
  CORS_ORIGINS: commaList.default([]),
  METRICS_TOKEN: z.string().min(16).optional(),
  ASSET_BASE_URL: z.string().default('/'),
  RUN_WORKERS: bool.default(true),
  SEED_DEMO_DATA: bool.optional(),
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_PAY_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_ADD_CARD_PER_HOUR: z.coerce.number().int().min(1).default(10),
  OFF_SESSION_RETRY_DELAYS_MINUTES: commaList.default(['60', '360', '1440']),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
});

export type StripeMode = 'simulated' | 'test' | 'live';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** Origin of publicUrl, used for the CSRF Origin check. */
  publicOrigin: string;
  /** Cookies get `Secure` when the public URL is https. */
  secureCookies: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** On SIGTERM/SIGINT: how long in-flight requests and jobs may take before the process exits 1. */
  shutdownGraceMs: number;
  stripe: {
    mode: StripeMode;
    secretKey: string | undefined;
    publishableKey: string | undefined;
    webhookSecrets: string[];
    apiBase: string | undefined;
    jsUrl: string;
    /** Per request; the SDK retries network errors, 409 and 5xx up to maxNetworkRetries times. */
    timeoutMs: number;
    maxNetworkRetries: number;
  };
  session: { idleTimeoutMs: number; absoluteTimeoutMs: number };
  trustProxy: boolean | string;
  corsOrigins: string[];
  metricsToken: string | undefined;
  assetBaseUrl: string;
  runWorkers: boolean;
  seedDemoData: boolean;
  rateLimit: {
    authPerMinute: number;
    authPerEmailPerHour: number;
    payPerMinute: number;
    addCardPerHour: number;
  };
  tls: { certFile: string; keyFile: string } | undefined;
  /** Minutes to wait before each automatic retry of an off-session payment after a soft decline. */
  offSessionRetryDelaysMinutes: number[];
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  const secretKey = e.STRIPE_SECRET_KEY;
  const mode: StripeMode = e.STRIPE_SIMULATED
    ? 'simulated'
    : secretKey?.includes('_live_')
      ? 'live'
      : 'test';

  if (!secretKey)
    problems.push('STRIPE_SECRET_KEY: required (npm start sets it for the simulator)');
  if (!e.STRIPE_PUBLISHABLE_KEY) problems.push('STRIPE_PUBLISHABLE_KEY: required');
  if (secretKey && e.STRIPE_PUBLISHABLE_KEY) {
    const skLive = secretKey.includes('_live_');
    const pkLive = e.STRIPE_PUBLISHABLE_KEY.startsWith('pk_live_');
    if (skLive !== pkLive)
      problems.push('STRIPE_PUBLISHABLE_KEY: live/test mode differs from STRIPE_SECRET_KEY');
  }
  if (mode === 'simulated' && !e.STRIPE_API_BASE) {
    problems.push('STRIPE_API_BASE: required when STRIPE_SIMULATED=true (the simulator URL)');
  }
  // Production guard: live money needs every safety net configured.
  if (mode === 'live') {
    if (!e.STRIPE_WEBHOOK_SECRETS?.length)
      problems.push('STRIPE_WEBHOOK_SECRETS: required in live mode (webhooks must be verified)');
    if (!publicUrl.startsWith('https://'))
      problems.push('PUBLIC_URL: must be https:// in live mode');
    if (!e.DATABASE_URL)
      problems.push('DATABASE_URL: required in live mode (no embedded database)');
    if (e.STRIPE_API_BASE) problems.push('STRIPE_API_BASE: must not be set in live mode');
  }
  if ((e.TLS_CERT_FILE && !e.TLS_KEY_FILE) || (!e.TLS_CERT_FILE && e.TLS_KEY_FILE)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE: set both for direct TLS, or neither');
  }
  const retryDelays = (e.OFF_SESSION_RETRY_DELAYS_MINUTES as string[]).map(Number);
  if (retryDelays.some((n) => !Number.isInteger(n) || n < 1) || retryDelays.length > 10) {
    problems.push(
      'OFF_SESSION_RETRY_DELAYS_MINUTES: a comma list of at most 10 whole minutes, e.g. 60,360,1440',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  const trust = e.TRUST_PROXY;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    secureCookies: publicUrl.startsWith('https://'),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    stripe: {
      mode,
      secretKey,
      publishableKey: e.STRIPE_PUBLISHABLE_KEY,
      webhookSecrets: e.STRIPE_WEBHOOK_SECRETS ?? [],
      apiBase: e.STRIPE_API_BASE,
      jsUrl: e.STRIPE_JS_URL ?? 'https://js.stripe.com/endive/stripe.js',
      timeoutMs: e.STRIPE_TIMEOUT_MS,
      maxNetworkRetries: e.STRIPE_MAX_NETWORK_RETRIES,
    },
    session: {
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
      absoluteTimeoutMs: e.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3_600_000,
    },
    trustProxy: trust === 'true' ? true : trust === 'false' ? false : trust,
    corsOrigins: e.CORS_ORIGINS,
    metricsToken: e.METRICS_TOKEN,
    assetBaseUrl: e.ASSET_BASE_URL,
    runWorkers: e.RUN_WORKERS,
    seedDemoData: e.SEED_DEMO_DATA ?? !e.DATABASE_URL,
    rateLimit: {
      authPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE,
      authPerEmailPerHour: e.RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR,
      payPerMinute: e.RATE_LIMIT_PAY_PER_MINUTE,
      addCardPerHour: e.RATE_LIMIT_ADD_CARD_PER_HOUR,
    },
    offSessionRetryDelaysMinutes: retryDelays,
    tls:
      e.TLS_CERT_FILE && e.TLS_KEY_FILE
        ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE }
        : undefined,
  };
}

/** Loads ./.env into process.env when present (variables already set win). */
export function loadDotEnv(file = '.env'): void {
  try {
    process.loadEnvFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
