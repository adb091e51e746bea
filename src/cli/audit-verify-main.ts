// `npm run audit:verify`: walks the sealed audit hash chain, names the first broken entry, and
// says how many entries still wait for the sealer. Exit code 0 when intact, 2 when broken, 1
// when it could not run. A progress line goes to stderr when it is a terminal.
import { openServerInfrastructure, runMaintenanceCommand } from './server-infrastructure.ts';
import { verifyAuditChain } from '../modules/audit/audit-log.ts';

function progressLine(): (checked: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  const started = Date.now();
  return (checked, total) => {
    const width = 30;
    const filled = Math.round((checked / total) * width);
    const perSecond = Math.round(checked / Math.max(0.001, (Date.now() - started) / 1000));
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${checked}/${total} entries, ${perSecond}/s `,
    );
    if (checked >= total) process.stderr.write('\n');
  };
}

async function run(): Promise<number> {
  const { infra } = await openServerInfrastructure('audit');
  try {
    const db = infra.database.db;
    const result = await verifyAuditChain(db, undefined, progressLine());
    const waiting = result.unsealed
      ? ` ${result.unsealed} newer entries are not sealed yet (a running server or worker seals them within a second; run again to include them).`
      : '';
    if (result.ok) {
      console.log(`Audit chain intact: ${result.checked} entries verified.${waiting}`);
      return 0;
    }
    const broken = result.firstBroken!;
    console.error(
      `Audit chain BROKEN at entry ${broken.id} (${broken.reason.replaceAll('_', ' ')}); ` +
        `${result.checked} entries before it verified.${waiting}`,
    );
    return 2;
  } finally {
    await infra.close();
  }
}

runMaintenanceCommand('audit:verify', run);
