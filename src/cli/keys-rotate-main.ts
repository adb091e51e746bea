// `npm run keys:rotate`: re-encrypts and re-indexes every personal value that is not under the
// active key (the first of DATA_ENCRYPTION_KEYS), online, in batches, with a progress bar; an
// interrupted run resumes where it stopped (ADR 027). At the end it counts the stored values per
// key and says whether any is still under a key other than the active one — only when none is may
// the old key leave DATA_ENCRYPTION_KEYS.
// Exit code 0 every value under the active key, 3 some still under another key of the ring (run
// again), 2 some under a key that is not in the ring (they cannot be read), 1 could not run.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { keyRing } from '../lib/personal-data.ts';
import { openServerInfrastructure, runMaintenanceCommand } from './server-infrastructure.ts';
import { valuesPerKey, walkEncryptedTables, type TableProgress } from '../db/key-rotation.ts';

const USAGE = `usage: npm run keys:rotate [-- --again]
  --again  walk again tables already finished for the active key (e.g. after a restore)`;

function ownArguments(): string[] {
  const at = process.argv.findIndex((a) => a.includes('keys-rotate-main'));
  return process.argv.slice(at + 1);
}

/** One bar per table, drawn on stderr when it is a terminal (nothing otherwise). */
function progressBars(): { update(p: TableProgress): void; stop(): void } {
  const bars = new cliProgress.MultiBar(
    {
      format: '{table} [{bar}] {value}/{total} rows, {changed} re-encrypted',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const byTable = new Map<string, cliProgress.SingleBar>();
  return {
    update(p) {
      const payload = { table: p.table.padEnd(26), changed: p.changed };
      let bar = byTable.get(p.table);
      if (!bar) {
        bar = bars.create(Math.max(p.total, p.walked), p.walked, payload);
        byTable.set(p.table, bar);
      }
      bar.setTotal(Math.max(p.total, p.walked));
      bar.update(p.walked, payload);
    },
    stop: () => bars.stop(),
  };
}

async function run(): Promise<number> {
  let again: boolean;
  try {
    const { values } = parseArgs({
      args: ownArguments(),
      options: { again: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    again = values.again === true;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  const { infra } = await openServerInfrastructure('keys');
  try {
    const ring = keyRing();
    console.log(
      `Re-encrypting personal data under key "${ring.activeKeyId}" (ring: ${ring.keyIds.join(', ')}).`,
    );
    const bars = progressBars();
    let walk;
    try {
      walk = await walkEncryptedTables(infra.database.db, 'rotate', {
        again,
        onProgress: (p) => bars.update(p),
      });
    } finally {
      bars.stop();
    }
    for (const t of walk.tables) {
      if (t.total === 0 && t.walked === 0) continue;
      console.log(
        `  ${t.table}: ${t.walked} rows walked, ${t.changed} re-encrypted` +
          (t.unreadable ? `, ${t.unreadable} under a key not in the ring` : ''),
      );
    }

    const perKey = await valuesPerKey(infra.database.db);
    const active = ring.activeKeyId;
    const others = [...perKey].filter(([k]) => k !== active);
    const outside = others.filter(([k]) => k === 'plain' || !ring.keyIds.includes(k));
    const inRing = others.filter(([k]) => k !== 'plain' && ring.keyIds.includes(k));
    console.log(`Values under the active key "${active}": ${perKey.get(active) ?? 0}.`);
    if (outside.length) {
      for (const [k, n] of outside)
        console.error(
          k === 'plain'
            ? `  ${n} values are still in plain text.`
            : `  ${n} values name key "${k}", which is NOT in DATA_ENCRYPTION_KEYS: they cannot be read. Put that key back in the ring and run again.`,
        );
      return 2;
    }
    if (inRing.length) {
      for (const [k, n] of inRing)
        console.error(`  ${n} values are still under key "${k}" (written meanwhile?): run again.`);
      return 3;
    }
    const removable = ring.keyIds.filter((k) => k !== active);
    console.log(
      removable.length
        ? `No value names a key other than "${active}": ${removable.map((k) => `"${k}"`).join(', ')} may now leave DATA_ENCRYPTION_KEYS.`
        : `No value names a key other than "${active}".`,
    );
    return 0;
  } finally {
    await infra.close();
  }
}

runMaintenanceCommand('keys:rotate', run);
