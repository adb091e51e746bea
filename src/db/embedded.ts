// The embedded default database: PGlite (PostgreSQL compiled to WASM) served over the Postgres
// wire protocol on a local port, so the application always speaks `pg` — one code path for the
// embedded database and a real server (ADR 0002).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteServer, type PgliteServerOptions } from './pglite-server.ts';

export interface EmbeddedDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite on 127.0.0.1 (random port unless given). `dataDir` undefined keeps it in memory.
 * `idleInTransactionTimeoutMs` defaults to DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS (0 disables).
 */
export async function startEmbeddedDatabase(
  options: { dataDir?: string; port?: number } & PgliteServerOptions = {},
): Promise<EmbeddedDatabase> {
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = path.resolve(options.dataDir);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- operator-configured path
    mkdirSync(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  // PGlite is one session; the server serialises clients onto it (see pglite-server.ts).
  const server = new PgliteServer(db, {
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs,
  });
  const port = await server.listen(options.port ?? 0, '127.0.0.1');
  return {
    // secretlint-disable-next-line -- the embedded database's fixed local credentials, no secret
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async close() {
      await server.close();
      await db.close();
    },
  };
}
