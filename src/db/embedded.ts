// The embedded default database: PGlite (PostgreSQL compiled to WASM) served over the Postgres
// wire protocol on a local port, so the application always speaks `pg` — one code path for the
// embedded database and a real server (ADR 0002).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite on 127.0.0.1 (random port unless given). `dataDir` undefined keeps it in memory.
 */
export async function startEmbeddedDatabase(
  options: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedDatabase> {
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = path.resolve(options.dataDir);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- operator-configured path
    mkdirSync(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    // PGlite is single-connection; the socket server multiplexes clients and keeps a
    // transaction's statements together, so a pool of several connections works.
    maxConnections: 100,
  });
  await server.start();
  const address = server.getServerConn();
  const port = Number(address.split(':').pop());
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
