// `npm run retention -- --dry-run`: says, per class of data, how many rows are past their
// retention period (RETENTION_* settings) and the cut-off. Without --dry-run it applies retention
// once — the daily job's own code (RetentionService.run) — and records it in the audit log.
// Exit code 0 done, 1 could not run, 2 bad arguments.
import { parseArgs } from 'node:util';
import { describeDuration } from '../lib/duration.ts';
import { openServerInfrastructure, runMaintenanceCommand } from './server-infrastructure.ts';
import { buildApp } from '../server/app.ts';
import type { RetentionReport } from '../modules/retention/service.ts';

const USAGE = `usage: npm run retention [-- --dry-run]
  --dry-run  count what is past its retention period; change nothing`;

/** The arguments after this entry point's own name (launch.mjs, tsx and node differ before it). */
function ownArguments(): string[] {
  const at = process.argv.findIndex((a) => a.includes('retention-main'));
  return process.argv.slice(at + 1);
}

function formatReport(report: RetentionReport): string {
  const lines = [
    report.dry_run
      ? `Retention dry run at ${report.ran_at}: nothing was changed.`
      : `Retention applied at ${report.ran_at} (recorded in the audit log as retention.applied).`,
    '',
  ];
  const rows = [
    ['class', 'kept for', 'cut-off (older goes)', report.dry_run ? 'would go' : 'done', 'effect'],
    ...report.classes.map((c) => [
      c.name,
      describeDuration(c.period_ms),
      c.cutoff,
      String(c.count),
      c.effect,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    lines.push(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  for (const c of report.classes) {
    if (c.held)
      lines.push('', `${c.name}: ${c.held.count} more past the cut-off stay: ${c.held.reason}.`);
  }
  return lines.join('\n');
}

async function run(): Promise<number> {
  let dryRun: boolean;
  try {
    const { values } = parseArgs({
      args: ownArguments(),
      options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    dryRun = values['dry-run'] === true;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { config, infra } = await openServerInfrastructure('retention');
  try {
    // The same services the job uses, built the same way; closing the app seals the audit entry.
    const app = await buildApp({ config, database: infra.database, logger: false });
    try {
      await app.ready();
      console.log(formatReport(await app.services.retention.run({ dryRun })));
    } finally {
      await app.close();
    }
    return 0;
  } finally {
    await infra.close();
  }
}

runMaintenanceCommand('retention', run);
