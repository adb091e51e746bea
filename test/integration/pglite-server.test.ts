// The embedded database's wire-protocol front (src/db/pglite-server.ts, ADR 009): it serialises
// many connections onto PGlite's single session, so one connection must never hold the session
// forever. Its own in-memory databases, not the suite's shared one.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.ts';

// Turns a hang into a failure with a message; generous, not a speed assertion.
const HANG_MS = 10_000;
function orHang<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what}`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

const clients: pg.Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.end().catch(() => {});
});

async function connect(db: EmbeddedDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => {}); // asserted where expected
  clients.push(client);
  await orHang(client.connect(), 'connect');
  return client;
}

/** A bare protocol client, to disconnect at an exact point pg does not expose. */
async function rawConnect(url: string): Promise<net.Socket> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  socket.write(Buffer.concat([startup, params]));
  // Connected once the first ReadyForQuery ('Z') arrives.
  await orHang(
    new Promise<void>((resolve, reject) => {
      let seen = Buffer.alloc(0);
      const onData = (data: Buffer) => {
        seen = Buffer.concat([seen, data]);
        for (let at = 0; at + 5 <= seen.length; at += 1 + seen.readInt32BE(at + 1)) {
          if (seen[at] === 'Z'.charCodeAt(0)) {
            socket.off('data', onData);
            resolve();
            return;
          }
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
    }),
    'raw connect',
  );
  return socket;
}

function queryMessage(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`);
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([header, text]);
}

describe('the embedded database front (pglite-server)', () => {
  let db: EmbeddedDatabase;
  beforeAll(async () => {
    db = await startEmbeddedDatabase();
  });
  afterAll(() => db.close());

  it('when a query reads its rows in pages (Execute with a row limit, then Flush), then every page arrives and other connections wait for it', async () => {
    const [paging, other] = await Promise.all([connect(db), connect(db)]);

    // pg sends Execute(rows) + Flush, then again on each PortalSuspended, and Sync at the end.
    // (`rows` is missing from @types/pg's QueryConfig.)
    const pagedQuery: pg.QueryConfig & { rows: number } = {
      text: 'SELECT n FROM generate_series(1, 5) AS n',
      rows: 2,
    };
    const paged = paging.query<{ n: number }>(pagedQuery);
    // Another connection's statement (same unnamed statement/portal) must not cut in mid-paging.
    const between = other.query('SELECT $1::int AS one', [1]);

    const [pages, single] = await orHang(Promise.all([paged, between]), 'paged query');
    expect(pages.rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
    expect(single.rows).toEqual([{ one: 1 }]);
  });

  it('when a client disconnects while its BEGIN is still queued, then the database is not left to the dead connection', async () => {
    const owner = await connect(db);
    const quitter = await rawConnect(db.url);

    await owner.query('BEGIN');
    // Queued behind owner's transaction; the client is gone before it can run.
    const gone = new Promise<void>((resolve) => quitter.once('close', () => resolve()));
    quitter.end(queryMessage('BEGIN'));
    await orHang(gone, 'quitter disconnect');
    await owner.query('COMMIT');

    // The queued BEGIN must not run for the dead client and keep the session.
    expect(
      (await orHang(owner.query('SELECT 1 AS ok'), 'query after the dead client')).rows,
    ).toEqual([{ ok: 1 }]);
    const late = await connect(db);
    expect(
      (await orHang(late.query('SELECT 2 AS ok'), 'new connection after the dead client')).rows,
    ).toEqual([{ ok: 2 }]);
  });
});

describe('the embedded database front with an idle-in-transaction timeout', () => {
  const TIMEOUT_MS = 500;
  let db: EmbeddedDatabase;
  beforeAll(async () => {
    db = await startEmbeddedDatabase({ idleInTransactionTimeoutMs: TIMEOUT_MS });
  });
  afterAll(() => db.close());

  it('when a connection stays idle inside a transaction past the timeout, then it is terminated with FATAL 25P03, its work is rolled back, and the others proceed', async () => {
    const [idle, other] = await Promise.all([connect(db), connect(db)]);
    await other.query('CREATE TABLE items (id int)');
    const terminated = new Promise<Error & { code?: string; severity?: string }>((resolve) =>
      idle.once('error', resolve),
    );

    // One message, so the only idle time is after it.
    await idle.query('BEGIN; INSERT INTO items VALUES (1)');
    // `idle` now sends nothing; `other` must get the database once the timeout ends it.
    const { rows } = await orHang(
      other.query('SELECT count(*)::int AS n FROM items'),
      'query behind an idle transaction',
    );

    expect(rows).toEqual([{ n: 0 }]);
    const error = await orHang(terminated, 'termination of the idle connection');
    expect(error.code).toBe('25P03');
    expect(error.severity).toBe('FATAL');
    await expect(idle.query('SELECT 1')).rejects.toThrow();
    // A connection idle outside a transaction holds nothing and is left alone.
    await new Promise((resolve) => setTimeout(resolve, 2 * TIMEOUT_MS));
    expect((await other.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });
});
