// One fresh database for the whole run: a new database on the server at DATABASE_URL (CI), or
// an in-memory embedded PGlite when DATABASE_URL is unset (a fresh clone with no settings).
// It is migrated once here and handed to the test files through `inject('databaseUrl')`.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { connectDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { sealAuditChain, verifyAuditChain } from '../../src/modules/audit/audit-log.ts';
import { KeyRing } from '../../src/lib/data-encryption.ts';
import { useKeyRing } from '../../src/lib/personal-data.ts';
import { readOffset } from '../../src/modules/test-clock/repository.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from './keys.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.DATABASE_URL;
  let databaseUrl: string;
  let teardown: () => Promise<void>;

  if (serverUrl) {
    const name = `paydeck_test_${Date.now()}_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(
        `DATABASE_URL is set but PostgreSQL is not reachable (${(err as Error).message}). ` +
          'Start PostgreSQL, or unset DATABASE_URL to use the embedded database.',
      );
    }
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    teardown = async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const embedded = await startEmbeddedDatabase();
    databaseUrl = embedded.url;
    teardown = () => embedded.close();
  }

  const database = connectDatabase(databaseUrl, { max: 2 });
  await migrateDatabase(database.pool);
  await database.close();
  project.provide('databaseUrl', databaseUrl);
  // After every test file has run: the audit chain written by the whole suite must verify.
  return async () => {
    const check = connectDatabase(databaseUrl, { max: 1 });
    // Verification opens the IPs it checks against their commitments (ADR 027).
    useKeyRing(KeyRing.parse(TEST_DATA_ENCRYPTION_KEYS));
    try {
      // Apps closed by their tests sealed what they wrote; this seals anything left over.
      await sealAuditChain(check.db);
      const result = await verifyAuditChain(check.db);
      if (result.unsealed) {
        throw new Error(`${result.unsealed} audit entries could not be sealed after the suite.`);
      }
      if (!result.ok) {
        throw new Error(
          `The audit chain is broken after the suite at entry ${result.firstBroken?.id} (${result.firstBroken?.reason}).`,
        );
      }
      console.log(`Audit chain after the suite: ${result.checked} entries verified.`);
      // The test clock's offset is shared by every app on a database: a file that moved it here
      // moved time under every other file's assertions (test-clock.test.ts has its own database).
      const offset = await readOffset(check.db);
      if (offset !== 0) {
        throw new Error(
          `A test moved the shared test clock by ${offset} ms: time travel belongs on a database of its own (aDatabaseOfItsOwn).`,
        );
      }
      // Collected by vitest.config.ts's onUnhandledError: repeated here, at the end of the output.
      for (const error of (globalThis as { paydeckUnhandled?: string[] }).paydeckUnhandled ?? [])
        console.error(`Unhandled during the suite: ${error}`);
    } catch (err) {
      // Vitest prints an error thrown here but still exits 0: the run must fail.
      process.exitCode = 1;
      throw err;
    } finally {
      await check.close();
      await teardown();
    }
  };
}
