// Prometheus's and Alertmanager's own tools on the deployment's files: promtool checks
// prometheus.yml with its rules, runs the alert rules' unit tests and parses every dashboard
// query; amtool checks alertmanager.yml. Needs Debian's `prometheus` and
// `prometheus-alertmanager` packages, so it runs as `npm run test:ops` (.ci/run installs them
// and runs it), not in `npm test`. test/unit/ops-config.test.ts checks the same files against
// the code without any tool.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dashboardQueries, readRepoFile, repoRoot } from '../helpers/ops-files.ts';
import { afterAll, describe, expect, it } from 'vitest';

/* eslint-disable security/detect-non-literal-fs-filename -- fixed files of the repository and a
   temporary folder of this test's own */

const root = repoRoot;
const read = readRepoFile;
const scratch = mkdtempSync(path.join(tmpdir(), 'paydeck-ops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tool(name: string, args: string[], cwd = root) {
  const result = spawnSync(name, args, { cwd, encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      `${name} is not installed. Install it with: apt-get install -y prometheus prometheus-alertmanager`,
    );
  }
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe("Prometheus's and Alertmanager's own checks", () => {
  it('when promtool checks prometheus.yml with its rule file and a token file, then it passes', () => {
    // The configuration names the token compose mounts at /run/secrets: point it at a file here.
    const token = path.join(scratch, 'metrics_token');
    writeFileSync(token, 'test-token');
    writeFileSync(
      path.join(scratch, 'prometheus.yml'),
      read('ops/prometheus/prometheus.yml').replace('/run/secrets/metrics_token', token),
    );
    writeFileSync(path.join(scratch, 'alerts.yml'), read('ops/prometheus/alerts.yml'));
    const result = tool('promtool', ['check', 'config', 'prometheus.yml'], scratch);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  it("when promtool runs the alert rules' unit tests, then they pass", () => {
    const result = tool('promtool', ['test', 'rules', 'alerts.test.yml'], 'ops/prometheus');
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  it("when promtool parses every dashboard panel's query, then each is valid PromQL", () => {
    // Grafana's variables become what they stand for, and each query a recording rule.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: dashboardQueries.map(({ expr }, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'),
          })),
        },
      ],
    };
    writeFileSync(path.join(scratch, 'dashboard-rules.yml'), JSON.stringify(rules));
    const result = tool('promtool', ['check', 'rules', 'dashboard-rules.yml'], scratch);
    expect(result.output).toContain(`SUCCESS: ${dashboardQueries.length} rules found`);
    expect(result.ok).toBe(true);
  });

  it('when amtool checks alertmanager.yml, then it passes', () => {
    const result = tool('amtool', ['check-config', 'ops/alertmanager/alertmanager.yml']);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });
});
