// The settings and request inputs ADR 021 adds: OpenTelemetry's standard variables, METRICS_TOKEN
// in live mode, BUILD_COMMIT, and the X-Request-Id and traceparent headers a request may carry.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadTracingSettings } from '../../src/config.ts';
import { acceptedRequestId } from '../../src/lib/logger.ts';
import { traceIdOf } from '../../src/lib/tracing.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from '../helpers/keys.ts';

const root = path.resolve(import.meta.dirname, '../..');

const base = {
  STRIPE_SECRET_KEY: 'sk_test_paydeck_unit',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_unit',
};
const live = {
  STRIPE_SECRET_KEY: 'sk_live_paydeck_unit',
  STRIPE_PUBLISHABLE_KEY: 'pk_live_paydeck_unit',
  STRIPE_WEBHOOK_SECRETS: 'whsec_unit',
  PUBLIC_URL: 'https://pay.example.com',
  DATABASE_URL: 'postgres://paydeck@db.example.com/paydeck',
  DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('tracing settings', () => {
  it('when no OTLP endpoint is set, then tracing is off; with one, on, as service "paydeck"', () => {
    expect(loadTracingSettings({})).toEqual({ enabled: false, serviceName: 'paydeck' });
    expect(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).enabled).toBe(false);
    expect(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      enabled: true,
      serviceName: 'paydeck',
    });
    expect(
      loadTracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })
        .enabled,
    ).toBe(true);
    expect(
      loadConfig({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_SERVICE_NAME: 'pay',
      }).tracing,
    ).toEqual({ enabled: true, serviceName: 'pay' });
  });

  it('when OTEL_SDK_DISABLED is true, then tracing is off even with an endpoint', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' };
    expect(loadTracingSettings(env).enabled).toBe(false);
  });

  it('when a tracing variable is bad, then both the preload and the configuration name it', () => {
    const bad = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_HEADERS: 'just-a-token',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_SDK_DISABLED: 'maybe',
    };
    expect(() => loadTracingSettings(bad)).toThrow(ConfigError);
    const problems = problemsOf({ ...base, ...bad });
    for (const name of Object.keys(bad))
      expect(
        problems.some((p) => p.startsWith(`${name}:`)),
        name,
      ).toBe(true);
  });

  it('when the server starts with a bad tracing variable, then it exits 1 naming it', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/observability/preload.ts')],
      {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' },
        timeout: 20_000,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Paydeck cannot start');
    expect(run.stderr).toContain('OTEL_EXPORTER_OTLP_ENDPOINT:');
  });
});

describe('METRICS_TOKEN and BUILD_COMMIT', () => {
  it('when live mode has no METRICS_TOKEN, then start-up is refused naming it; with one, it starts', () => {
    expect(problemsOf(live)).toEqual([
      'METRICS_TOKEN: required in live mode (GET /metrics is never open there)',
    ]);
    expect(problemsOf({ ...live, METRICS_TOKEN: 'a-long-enough-metrics-token' })).toEqual([]);
    // Test mode and the simulator keep an open /metrics for a first look.
    expect(problemsOf(base)).toEqual([]);
  });

  it('when BUILD_COMMIT is not a commit hash, then start-up is refused naming it', () => {
    expect(loadConfig({ ...base, BUILD_COMMIT: '83a64a6' }).buildCommit).toBe('83a64a6');
    expect(problemsOf({ ...base, BUILD_COMMIT: 'main; rm -rf' })[0]).toMatch(/^BUILD_COMMIT: /);
  });
});

describe('request ids and trace ids from the caller', () => {
  it('when X-Request-Id is 1–128 of [A-Za-z0-9._:-], then it is kept; otherwise not', () => {
    for (const id of ['a', 'req-42', 'f7c1.9:abc_DEF', 'x'.repeat(128)])
      expect(acceptedRequestId(id)).toBe(id);
    for (const id of ['', 'x'.repeat(129), 'has space', 'new\nline', 'quote"', 'é', '<script>'])
      expect(acceptedRequestId(id)).toBeUndefined();
    expect(acceptedRequestId(undefined)).toBeUndefined();
    expect(acceptedRequestId(['a', 'b'])).toBeUndefined();
  });

  it('when traceparent is valid W3C version 00, then its trace id is read; otherwise none', () => {
    expect(traceIdOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
    for (const header of [
      undefined,
      '',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
      '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ])
      expect(traceIdOf(header), String(header)).toBeUndefined();
  });
});
