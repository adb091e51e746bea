// The deployment's configuration (ops/, compose.yaml, Dockerfile) against the code it describes:
// every metric an alert or a dashboard panel names is one src/lib/metrics.ts registers, with
// labels it has; compose.yaml runs the entry points that exist. Prometheus's and Alertmanager's
// own tools check the same files in test/ops/ (`npm run test:ops`, which needs Debian's
// `prometheus` and `prometheus-alertmanager`; .ci/run installs them and runs it), so that
// `npm test` needs nothing but Node.js.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dashboardQueries, readRepoFile, repoRoot } from '../helpers/ops-files.ts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry } from '../../src/lib/metrics.ts';

/* eslint-disable security/detect-non-literal-fs-filename -- fixed files of the repository and a
   temporary folder of this test's own */

const root = repoRoot;
const read = readRepoFile;

const alertRules = (
  parse(read('ops/prometheus/alerts.yml')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  }
).groups.flatMap((group) => group.rules);

/** Every query the deployment runs: alert expressions and dashboard panels. */
const queries = [
  ...alertRules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
  ...dashboardQueries.map((query) => ({ where: `panel "${query.panel}"`, expr: query.expr })),
];

/** Paydeck's metric names, and Node.js's standard ones the registry exports beside them (ADR 021). */
const METRIC_NAME = /\b(?:paydeck|process|nodejs)_[a-z0-9_]+/g;

/** Series names the registry exports: a histogram `x` is read as x_bucket, x_sum and x_count. */
async function exportedSeries(): Promise<Map<string, string[]>> {
  const series = new Map<string, string[]>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const labels = [
      ...((registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] })
        .labelNames ?? []),
      // Added by Prometheus to every scraped series.
      'instance',
      'job',
    ];
    const suffixes = String(metric.type) === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    for (const suffix of suffixes)
      series.set(metric.name + suffix, suffix === '_bucket' ? [...labels, 'le'] : labels);
  }
  return series;
}

describe('metrics named by the alerts and the dashboard', () => {
  it('when an alert or a panel names a metric, then src/lib/metrics.ts exports it', async () => {
    const series = await exportedSeries();
    const unknown = queries.flatMap(({ where, expr }) =>
      [...expr.matchAll(METRIC_NAME)]
        .map(([name]) => name)
        .filter((name) => !series.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(queries.length).toBeGreaterThan(20);
  });

  it('when a selector matches on a label, then the metric has that label', async () => {
    const series = await exportedSeries();
    const wrong = queries.flatMap(({ where, expr }) =>
      [...expr.matchAll(/\b((?:paydeck|process|nodejs)_[a-z0-9_]+)\{([^}]*)\}/g)].flatMap(
        ([, name, matchers]) =>
          [...matchers!.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)]
            .map(([, label]) => label!)
            .filter((label) => !series.get(name!)?.includes(label))
            .map((label) => `${where}: ${name} has no label ${label}`),
      ),
    );
    expect(wrong).toEqual([]);
  });
});

describe('compose.yaml and the Dockerfile', () => {
  interface Service {
    image?: string;
    build?: unknown;
    command?: string[];
    environment?: Record<string, string>;
  }
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, Service>;
  };
  /** The TypeScript source a compiled entry point in dist/server comes from. */
  const sourceOf = (compiled: string) =>
    compiled.replace(/^dist\/server\//, '').replace(/\.js$/, '.ts');

  it('when the server and the worker are started, then both run the one image, with commands whose sources exist', () => {
    const { server, worker, migrate } = compose.services;
    expect(worker!.image).toBe(server!.image);
    expect(worker!.build).toEqual(server!.build);
    // The image's CMD and the worker's command load the tracing preload first (ADR 021).
    const preload = './dist/server/src/observability/preload.js';
    const cmd = /^CMD \["node", "--import", "([^"]+)", "([^"]+)"\]$/m.exec(read('Dockerfile'));
    expect(cmd?.[1]).toBe(preload);
    expect(worker!.command!.slice(0, 3)).toEqual(['node', '--import', preload]);
    expect(existsSync(path.join(root, sourceOf(preload.slice(2))))).toBe(true);
    const entries = [cmd![2]!, worker!.command!.at(-1)!, migrate!.command!.at(-1)!];
    expect(entries.map(sourceOf)).toEqual([
      'src/server/main.ts',
      'src/jobs/worker-main.ts',
      'src/db/migrate-main.ts',
    ]);
    for (const entry of entries) expect(existsSync(path.join(root, sourceOf(entry)))).toBe(true);
  });

  it('when Prometheus, Alertmanager and Grafana look for each other, then they name services compose runs', () => {
    const prometheus = read('ops/prometheus/prometheus.yml');
    expect(prometheus).toMatch(/names: \['server'\]\s+type: A\s+port: 3000/);
    expect(prometheus).toContain("targets: ['alertmanager:9093']");
    expect(read('ops/alertmanager/alertmanager.yml')).toContain("smtp_smarthost: 'mailpit:1025'");
    expect(read('ops/grafana/provisioning/datasources/prometheus.yml')).toContain(
      'url: http://prometheus:9090',
    );
    for (const service of ['server', 'worker', 'prometheus', 'alertmanager', 'grafana', 'mailpit'])
      expect(compose.services).toHaveProperty(service);
    // The token Prometheus sends is the one the server requires.
    expect(compose.services.server!.environment!.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN/);
  });
});

describe('the server process', () => {
  // glibc gives every thread its own malloc arenas; capped at two, the server's RSS stays under
  // its 256 MB target under load (ADR 033). Each script is run by sh as npm runs it, with a
  // stand-in `node` that prints what it was given.
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const bin = mkdtempSync(path.join(tmpdir(), 'paydeck-fake-node-'));
  writeFileSync(path.join(bin, 'node'), '#!/bin/sh\necho "arenas=$MALLOC_ARENA_MAX args=$*"\n', {
    mode: 0o755,
  });
  const run = (script: string, env: Record<string, string> = {}) =>
    execFileSync('sh', ['-c', scripts[script]!], {
      env: { PATH: `${bin}:${process.env.PATH}`, ...env },
      encoding: 'utf8',
    }).trim();

  it.each(['start', 'worker'])(
    'when `npm %s` starts it, then malloc arenas are capped at 2 unless the operator set a number',
    (script) => {
      expect(run(script)).toMatch(/^arenas=2 args=scripts\/launch\.mjs /);
      expect(run(script, { MALLOC_ARENA_MAX: '4' })).toMatch(/^arenas=4 /);
    },
  );

  it('when the container image runs it, then malloc arenas are capped at 2', () => {
    expect(read('Dockerfile')).toMatch(/^\s+MALLOC_ARENA_MAX=2 \\$/m);
  });
});
