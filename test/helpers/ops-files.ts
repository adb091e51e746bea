// The deployment's files (ops/, compose.yaml), read for the tests that check them against the
// code (test/unit/ops-config.test.ts) and with Prometheus's own tools (test/ops/).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A file of the repository, by its path from the root. */
export function readRepoFile(file: string): string {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed repository files
  return readFileSync(path.join(repoRoot, file), 'utf8');
}

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

/** Every PromQL query of the Grafana dashboard, with the title of its panel. */
export const dashboardQueries = (
  JSON.parse(readRepoFile('ops/grafana/dashboards/paydeck.json')) as { panels: Panel[] }
).panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);
