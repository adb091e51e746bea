// The one typed, validated view of the environment (STYLE.md §4). Read once at start-up; a bad
// value stops the process with a message naming the variable. Behaviour never switches on
// NODE_ENV: every difference between environments is a setting listed in .env.example.
import { z } from 'zod';
import { parseDuration } from './lib/duration.ts';
import { KeyRing, KeyRingError } from './lib/data-encryption.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `90s`, `15m`, `24h` or `30d` (src/lib/duration.ts), read as milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms !== undefined) return ms;
      ctx.addIssue({
        code: 'custom',
        message: 'must be a whole number and one unit (s, m, h or d), e.g. 90s, 24h or 30d',
      });
      return z.NEVER;
    });

/**
 * How long each class of data is kept before the retention job (modules/retention) deletes or
 * anonymises it. The defaults are the periods the Privacy Policy states unless these are set;
 * the policy is written from these same values.
 */
const retentionSchema = {
  /** Stripe events' stored payloads, counted from processing; the event row itself stays. */
  RETENTION_WEBHOOK_PAYLOADS: duration('30d'),
  /** Outbox messages, counted from when they were sent; unsent ones are never removed. */
  RETENTION_SENT_OUTBOX: duration('30d'),
  /** Sessions, counted from their expiry (idle or absolute); 0s: removed as soon as expired. */
  RETENTION_EXPIRED_SESSIONS: duration('0s'),
  /** Completed Idempotency-Key records and their stored answers; at least 24h (SPEC §3). */
  RETENTION_IDEMPOTENCY_KEYS: duration('24h'),
  /** IP addresses in the audit log; the entries themselves are kept (ADR 024). */
  RETENTION_AUDIT_IPS: duration('90d'),
  /** What remains of a deleted account beyond financial records: its legal acceptances. */
  RETENTION_DELETED_ACCOUNTS: duration('1095d'),
  /** Mail kept by the local catcher (no SMTP_URL, outside live mode). */
  RETENTION_CAUGHT_MAIL: duration('7d'),
  /** Alert notifications once delivered. */
  RETENTION_ALERT_NOTIFICATIONS: duration('90d'),
  /** Per-minute figures of Stripe calls and counted events (dashboards show 30 days at most). */
  RETENTION_METRIC_MINUTES: duration('35d'),
  /** Events for the merchant's backend (GET /api/v1/events), their deliveries and attempts. */
  RETENTION_MERCHANT_EVENTS: duration('30d'),
};

const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * OpenTelemetry's standard variables that Paydeck reads (ADR 021). Tracing is on when an OTLP
 * endpoint is set; the SDK reads these same variables (and any other OTEL_* one) itself.
 */
const httpUrl = z
  .string()
  .url()
  .regex(/^https?:\/\//, 'must be an http:// or https:// URL (OTLP over HTTP)');

const tracingSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'], { message: 'must be http/protobuf or http/json' })
    .default('http/protobuf'),
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .refine(
      (v) => v.split(',').every((pair) => /^[^=\s]+=/.test(pair.trim())),
      'must be a comma list of name=value',
    )
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('paydeck'),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
});

export interface TracingSettings {
  /** An OTLP endpoint is set and OTEL_SDK_DISABLED is not true. */
  enabled: boolean;
  serviceName: string;
}

function tracingSettings(e: z.infer<typeof tracingSchema>): TracingSettings {
  return {
    enabled:
      Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) &&
      !e.OTEL_SDK_DISABLED,
    serviceName: e.OTEL_SERVICE_NAME,
  };
}

const envSchema = tracingSchema.extend({
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
  /** How long a checkout link the merchant API hands out (checkout_url) opens its order. */
  CHECKOUT_LINK_TTL: duration('7d'),
  OPERATOR_MFA: z
    .enum(['required', 'optional'], {
      message: 'must be required or optional',
    })
    .optional(),
  TRUST_PROXY: z.string().default('false'),
  CORS_ORIGINS: commaList.default([]),
  METRICS_TOKEN: z.string().min(16).optional(),
  BUILD_COMMIT: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/i, 'must be a git commit hash (7 to 40 hex digits)')
    .optional(),
  ASSET_BASE_URL: z.string().default('/'),
  RUN_WORKERS: bool.default(true),
  SEED_DEMO_DATA: bool.optional(),
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR: z.coerce.number().int().min(1).default(5),
  RATE_LIMIT_PAY_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_ADD_CARD_PER_HOUR: z.coerce.number().int().min(1).default(10),
  // Stripe's own default live-mode limit per key.
  RATE_LIMIT_API_KEY_PER_SECOND: z.coerce.number().int().min(1).default(100),
  OFF_SESSION_RETRY_DELAYS_MINUTES: commaList.default(['60', '360', '1440']),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),

  SMTP_URL: z
    .string()
    .url()
    .refine((v) => /^smtps?:\/\//.test(v), 'must be smtp://… or smtps://…')
    .optional(),
  MAIL_FROM: z.string().min(3).max(200).default('Paydeck <paydeck@localhost>'),
  ALERT_EMAIL_TO: commaList
    .pipe(z.array(z.string().email('must be a comma list of email addresses')).max(20))
    .optional(),
  ALERT_WEBHOOK_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), 'must be http://… or https://…')
    .optional(),
  ALERT_REMINDER_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(60),
  ALERT_DATABASE_DOWN_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  ...retentionSchema,
  MERCHANT_WEBHOOKS_ALLOW_PRIVATE: bool.optional(),
  /** `id:base64key[,id:base64key…]`, the active key first (ADR 027). */
  DATA_ENCRYPTION_KEYS: z.string().optional(),
});

/** Every variable Paydeck reads; .env.example documents each (test/unit/env-example.test.ts). */
export const settingNames = Object.keys(envSchema.shape);

/** Milliseconds each class of data is kept; see retentionSchema for what each one covers. */
export interface RetentionSettings {
  webhookPayloads: number;
  sentOutbox: number;
  expiredSessions: number;
  idempotencyKeys: number;
  auditIps: number;
  deletedAccounts: number;
  caughtMail: number;
  alertNotifications: number;
  metricMinutes: number;
  merchantEvents: number;
}

/** Idempotency keys are kept at least this long (SPEC §3): the contract with API clients. */
export const MIN_IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

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
  /** How long a signed checkout link (orders/checkout-links.ts) stays valid. */
  checkoutLinkTtlMs: number;
  /**
   * `required`: an operator without a confirmed TOTP second factor opens no operator route until
   * they enrol (ADR 023). `optional`: enrolment is the operator's choice. Either way an enrolled
   * operator signs in with a code.
   */
  operatorMfa: 'required' | 'optional';
  trustProxy: boolean | string;
  corsOrigins: string[];
  metricsToken: string | undefined;
  /** The commit this build was made from, for paydeck_build_info; unset when unknown. */
  buildCommit: string | undefined;
  tracing: TracingSettings;
  assetBaseUrl: string;
  runWorkers: boolean;
  seedDemoData: boolean;
  rateLimit: {
    authPerMinute: number;
    authPerEmailPerHour: number;
    /** "Forgot password" emails to one address per hour. */
    passwordResetPerEmailPerHour: number;
    payPerMinute: number;
    addCardPerHour: number;
    apiKeyPerSecond: number;
  };
  tls: { certFile: string; keyFile: string } | undefined;
  /** Minutes to wait before each automatic retry of an off-session payment after a soft decline. */
  offSessionRetryDelaysMinutes: number[];
  /** Outgoing mail: through SMTP_URL, or (outside live mode) kept by the local catcher. */
  mail: { smtpUrl: string | undefined; from: string; catcher: boolean };
  alerts: {
    /** Fixed recipients; empty: every operator's address. */
    emailTo: string[];
    webhookUrl: string | undefined;
    /** While a rule keeps firing unacknowledged, people are reminded this often. */
    reminderMs: number;
    /** How long the database may stay silent before the database watch tells people. */
    databaseDownMs: number;
  };
  retention: RetentionSettings;
  /**
   * The key ring that encrypts personal data at rest (ADR 027): DATA_ENCRYPTION_KEYS, validated
   * here. Undefined when unset outside live mode: a key is then generated once into
   * DATA_DIR/data-encryption-keys (src/lib/key-ring-file.ts).
   */
  dataEncryptionKeys: string | undefined;
  merchantWebhooks: {
    /**
     * Whether deliveries may go to private, loopback and link-local addresses (and to http://
     * URLs). Default: only in simulated mode, where the merchant's backend is on this machine.
     */
    allowPrivate: boolean;
  };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `schema` applied to the environment, where an empty variable means "unset" (as in most .env tooling). */
function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

/**
 * The tracing settings alone, for src/observability/preload.ts, which starts the SDK before the
 * rest of the configuration is read. Throws a ConfigError naming every bad variable.
 */
export function loadTracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  return tracingSettings(parseEnv(tracingSchema, env));
}

/** Parses the environment, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(envSchema, env);
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
    // The demo accounts' passwords are published in the README.
    if (e.SEED_DEMO_DATA)
      problems.push(
        'SEED_DEMO_DATA: demo accounts are refused in live mode; create operators with npm run admin:create',
      );
    // A password alone must not open a console that refunds live money.
    if (e.OPERATOR_MFA === 'optional')
      problems.push(
        'OPERATOR_MFA: must be required in live mode (operators sign in with a second factor)',
      );
    // Metrics name live payment volumes and failure rates: not for anyone who finds the port.
    if (!e.METRICS_TOKEN)
      problems.push('METRICS_TOKEN: required in live mode (GET /metrics is never open there)');
    // A key generated onto the server's disk would sit beside the database it protects.
    if (!e.DATA_ENCRYPTION_KEYS)
      problems.push(
        'DATA_ENCRYPTION_KEYS: required in live mode (personal data is encrypted at rest; generate a key with: echo "k1:$(openssl rand -base64 32)")',
      );
  }
  if (e.DATA_ENCRYPTION_KEYS) {
    try {
      KeyRing.parse(e.DATA_ENCRYPTION_KEYS);
    } catch (err) {
      if (!(err instanceof KeyRingError)) throw err;
      problems.push(`DATA_ENCRYPTION_KEYS: ${err.message}`);
    }
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
  if (e.RETENTION_IDEMPOTENCY_KEYS < MIN_IDEMPOTENCY_RETENTION_MS) {
    problems.push(
      'RETENTION_IDEMPOTENCY_KEYS: at least 24h (keys are honoured for 24 hours, SPEC §3)',
    );
  }
  const allowPrivateWebhooks = e.MERCHANT_WEBHOOKS_ALLOW_PRIVATE ?? mode === 'simulated';
  if (mode === 'live' && allowPrivateWebhooks)
    problems.push(
      'MERCHANT_WEBHOOKS_ALLOW_PRIVATE: must not be true in live mode (webhooks could reach internal services)',
    );
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
    checkoutLinkTtlMs: e.CHECKOUT_LINK_TTL,
    // The simulated demo keeps its two-command start; anything that talks to Stripe requires it.
    operatorMfa: e.OPERATOR_MFA ?? (mode === 'simulated' ? 'optional' : 'required'),
    trustProxy: trust === 'true' ? true : trust === 'false' ? false : trust,
    corsOrigins: e.CORS_ORIGINS,
    metricsToken: e.METRICS_TOKEN,
    buildCommit: e.BUILD_COMMIT,
    tracing: tracingSettings(e),
    assetBaseUrl: e.ASSET_BASE_URL,
    runWorkers: e.RUN_WORKERS,
    seedDemoData: e.SEED_DEMO_DATA ?? !e.DATABASE_URL,
    rateLimit: {
      authPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE,
      authPerEmailPerHour: e.RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR,
      passwordResetPerEmailPerHour: e.RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR,
      payPerMinute: e.RATE_LIMIT_PAY_PER_MINUTE,
      addCardPerHour: e.RATE_LIMIT_ADD_CARD_PER_HOUR,
      apiKeyPerSecond: e.RATE_LIMIT_API_KEY_PER_SECOND,
    },
    offSessionRetryDelaysMinutes: retryDelays,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, catcher: mode !== 'live' },
    alerts: {
      emailTo: e.ALERT_EMAIL_TO ?? [],
      webhookUrl: e.ALERT_WEBHOOK_URL,
      reminderMs: e.ALERT_REMINDER_MINUTES * 60_000,
      databaseDownMs: e.ALERT_DATABASE_DOWN_SECONDS * 1000,
    },
    retention: {
      webhookPayloads: e.RETENTION_WEBHOOK_PAYLOADS,
      sentOutbox: e.RETENTION_SENT_OUTBOX,
      expiredSessions: e.RETENTION_EXPIRED_SESSIONS,
      idempotencyKeys: e.RETENTION_IDEMPOTENCY_KEYS,
      auditIps: e.RETENTION_AUDIT_IPS,
      deletedAccounts: e.RETENTION_DELETED_ACCOUNTS,
      caughtMail: e.RETENTION_CAUGHT_MAIL,
      alertNotifications: e.RETENTION_ALERT_NOTIFICATIONS,
      metricMinutes: e.RETENTION_METRIC_MINUTES,
      merchantEvents: e.RETENTION_MERCHANT_EVENTS,
    },
    dataEncryptionKeys: e.DATA_ENCRYPTION_KEYS,
    merchantWebhooks: { allowPrivate: allowPrivateWebhooks },
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
