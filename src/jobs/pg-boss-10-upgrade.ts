// The upgrade from pg-boss 10. pg-boss 11 rewrote its schema, and neither 11 nor 12 migrates a
// pg-boss 10 schema (version 24): their migrations start at 25. So that a deployment upgrading
// from a Paydeck that ran pg-boss 10 keeps its waiting jobs (off-session retries due hours later,
// payment syncs), the old schema is renamed aside before pg-boss starts (`pgboss` →
// `pgboss_v10`), pg-boss 12 installs a fresh one, and the jobs still waiting or running in the
// old one are inserted into the new one under their own ids; then the old schema is dropped.
// Both steps hold one advisory lock, so servers and workers starting together do it once; a
// crash between them repeats the copy, which inserts nothing twice (same ids, ON CONFLICT DO
// NOTHING). Retry counts start again from 0. Every instance still on pg-boss 10 must be stopped
// first: it would find its schema gone.
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';

/** The schema version pg-boss 10 writes to `<schema>.version`. */
const PG_BOSS_10_SCHEMA_VERSION = 24;
/** Jobs inserted per call when moving them. */
const MOVE_BATCH = 1000;

/** Where a pg-boss 10 schema named `schema` is kept while its jobs are moved. */
export function version10SchemaName(schema: string): string {
  return `${schema}_v10`;
}

/** Renames a pg-boss 10 schema aside; does nothing for a newer or missing one. */
export async function setAsideVersion10Schema(
  connectionString: string,
  schema: string,
  logger: Logger,
): Promise<void> {
  await withUpgradeLock(connectionString, schema, async (client) => {
    const { rows } = await client.query<{ found: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS found',
      [`${quote(schema)}.version`],
    );
    if (!rows[0]?.found) return;
    const { rows: versions } = await client.query<{ version: number }>(
      `SELECT version FROM ${quote(schema)}.version`,
    );
    const version = Number(versions[0]?.version);
    if (!(version <= PG_BOSS_10_SCHEMA_VERSION)) return;
    await client.query(
      `ALTER SCHEMA ${quote(schema)} RENAME TO ${quote(version10SchemaName(schema))}`,
    );
    logger.warn(
      { schema, version, kept_as: version10SchemaName(schema) },
      'pg-boss 10 schema found: renamed aside; its jobs move to the pg-boss 12 schema',
    );
  });
}

/**
 * Inserts the jobs waiting, retrying or running in a set-aside pg-boss 10 schema into the queues
 * of the same names, then drops that schema. Jobs of queues Paydeck no longer has are dropped
 * with it (counted in the log).
 */
export async function moveVersion10Jobs(
  boss: PgBoss,
  connectionString: string,
  schema: string,
  queueNames: string[],
  logger: Logger,
): Promise<void> {
  const oldSchema = version10SchemaName(schema);
  await withUpgradeLock(connectionString, schema, async (client) => {
    const { rows: found } = await client.query<{ found: boolean }>(
      'SELECT to_regnamespace($1) IS NOT NULL AS found',
      [quote(oldSchema)],
    );
    if (!found[0]?.found) return;
    const { rows } = await client.query<{
      id: string;
      name: string;
      data: object | null;
      start_after: Date;
      singleton_key: string | null;
    }>(
      `SELECT id, name, data, start_after, singleton_key FROM ${quote(oldSchema)}.job
       WHERE state IN ('created', 'retry', 'active') ORDER BY created_on`,
    );
    const known = new Set(queueNames);
    let moved = 0;
    let dropped = 0;
    for (const name of new Set(rows.map((row) => row.name))) {
      const jobs = rows.filter((row) => row.name === name);
      if (!known.has(name)) {
        dropped += jobs.length;
        continue;
      }
      for (let i = 0; i < jobs.length; i += MOVE_BATCH) {
        await boss.insert(
          name,
          jobs.slice(i, i + MOVE_BATCH).map((job) => ({
            id: job.id,
            data: job.data ?? {},
            startAfter: job.start_after,
            ...(job.singleton_key ? { singletonKey: job.singleton_key } : {}),
          })),
        );
      }
      moved += jobs.length;
    }
    await client.query(`DROP SCHEMA ${quote(oldSchema)} CASCADE`);
    logger.warn({ moved, dropped, dropped_schema: oldSchema }, 'pg-boss 10 jobs moved');
  });
}

/**
 * Runs `work` holding a session-level advisory lock, with no transaction open: the jobs are
 * inserted through pg-boss's own connections meanwhile, and on the embedded database (one
 * session, ADR 009) a transaction held here would block them.
 */
async function withUpgradeLock(
  connectionString: string,
  schema: string,
  work: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString });
  // A connection lost mid-step surfaces as the failed query below, not as an uncaught 'error'.
  client.on('error', () => {});
  await client.connect();
  const key = `paydeck.pg-boss-upgrade.${schema}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    await work(client);
  } finally {
    // Closing the connection releases the lock as well.
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
    await client.end().catch(() => {});
  }
}

/** Quotes a schema name; pg-boss itself accepts only letters, digits and underscores. */
function quote(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad schema name: ${name}`);
  return `"${name}"`;
}
