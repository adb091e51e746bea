// A Postgres wire-protocol server in front of one PGlite instance, for the embedded database.
//
// PGlite is a single session. @electric-sql/pglite-socket multiplexes clients onto it message by
// message, which breaks the extended query protocol under concurrency: connection A's Parse and
// connection B's Parse both use the unnamed statement, so A's Bind then meets B's statement
// ("bind message supplies 2 parameters, but prepared statement requires 1"). This server keeps
// each client's messages together up to a point where the client waits for an answer (Sync,
// Query, Flush) and runs one batch at a time. A client that leaves the session busy — a
// transaction open, or an extended-protocol sequence not yet Synced — holds it: only its batches
// run until it releases it, disconnects (rolled back) or idles past the idle-in-transaction
// timeout (terminated, rolled back). See docs/decisions/009-own-pglite-wire-server.md.
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Messages after which the client waits for the server, so its batch must run now. */
const BATCH_END = new Set(['S', 'Q', 'H']);

/** Postgres's default is 0 (off); here one idle client would stall every other one. */
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

export interface PgliteServerOptions {
  /**
   * Like `idle_in_transaction_session_timeout`: a client holding the session (open transaction,
   * or an unsynced extended-protocol sequence) that sends nothing for this long is terminated
   * with FATAL 25P03 and rolled back. 0 disables it.
   */
  idleInTransactionTimeoutMs?: number;
}

interface Connection {
  socket: net.Socket;
  closed: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

interface Job {
  connection: Connection;
  /** A client batch, or null to roll back a closed connection's leftovers. */
  batch: Buffer | null;
  /** A batch ending in Flush leaves the extended protocol open (portal, implicit transaction). */
  endsInFlush: boolean;
}

export class PgliteServer {
  private server: net.Server | undefined;
  private running: Promise<void> | null = null;
  private closing = false;
  /** The connection the session belongs to until it is idle again; others wait. */
  private owner: Connection | null = null;
  private readonly waiting: Job[] = [];
  private readonly connections = new Set<Connection>();
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly db: PGlite,
    options: PgliteServerOptions = {},
  ) {
    this.idleTimeoutMs =
      options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS;
  }

  async listen(port: number, host: string): Promise<number> {
    this.server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.waiting.length = 0;
    for (const connection of this.connections) {
      clearTimeout(connection.idleTimer);
      connection.socket.destroy();
    }
    // The caller closes PGlite next: let the batch in flight finish first.
    await this.running;
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private accept(socket: net.Socket): void {
    const connection: Connection = { socket, closed: false, idleTimer: undefined };
    this.connections.add(connection);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let pending: Buffer[] = [];
    let started = false;

    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N');
            buffer = buffer.subarray(8);
            continue;
          }
          if (buffer.length < length) return;
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === CANCEL_REQUEST) {
            socket.end(); // PGlite has no backend to signal
            return;
          }
          if (code === PROTOCOL_3) {
            started = true;
            this.enqueue({ connection, batch: Buffer.from(message), endsInFlush: false });
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0]!);
        if (type === 'X') {
          pending = [];
          socket.end();
          return;
        }
        pending.push(Buffer.from(buffer.subarray(0, length)));
        buffer = buffer.subarray(length);
        if (BATCH_END.has(type)) {
          this.enqueue({ connection, batch: Buffer.concat(pending), endsInFlush: type === 'H' });
          pending = [];
        }
      }
    });

    socket.on('close', () => this.disconnected(connection));
    socket.on('error', () => socket.destroy());
  }

  private enqueue(job: Job): void {
    if (job.connection.closed || this.closing) return;
    // The idle clock stops when the client sends its next batch.
    clearTimeout(job.connection.idleTimer);
    this.waiting.push(job);
    this.dispatch();
  }

  /** A gone client must neither run its queued batches nor keep the session. */
  private disconnected(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    clearTimeout(connection.idleTimer);
    this.connections.delete(connection);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.connection === connection) this.waiting.splice(i, 1);
    }
    // If its batch is running, the release follows when that batch ends (see finish).
    if (this.owner === connection && !this.running) this.release(connection);
  }

  private release(connection: Connection): void {
    if (this.closing) return;
    this.waiting.unshift({ connection, batch: null, endsInFlush: false });
    this.dispatch();
  }

  private dispatch(): void {
    if (this.running || this.closing) return;
    const index = this.waiting.findIndex(
      (job) => this.owner === null || job.connection === this.owner,
    );
    if (index === -1) return;
    const [job] = this.waiting.splice(index, 1);
    this.running = this.run(job!).finally(() => {
      this.running = null;
      this.dispatch();
    });
  }

  private async run(job: Job): Promise<void> {
    const { connection } = job;
    if (job.batch === null) {
      await this.rollBack().catch(() => {});
      this.owner = null;
      return;
    }
    let holds: boolean;
    try {
      await this.db.execProtocolRawStream(new Uint8Array(job.batch), {
        onRawData: (data: Uint8Array) => {
          if (!connection.socket.destroyed) connection.socket.write(data);
        },
      });
      // isInTransaction() is exact only after ReadyForQuery; after a Flush the sequence is open.
      holds = job.endsInFlush || this.db.isInTransaction();
    } catch {
      connection.socket.destroy();
      holds = true; // unknown state: roll it back below
    }
    this.owner = holds ? connection : null;
    if (!holds) return;
    if (connection.closed) {
      this.release(connection);
    } else if (!this.waiting.some((w) => w.connection === connection)) {
      this.startIdleTimer(connection);
    }
  }

  /** Ends whatever a departed client left: an open sequence, a failed or open transaction. */
  private async rollBack(): Promise<void> {
    const discard = { onRawData: () => {} };
    // ROLLBACK ends an open sequence's implicit transaction or an explicit one; if the sequence
    // failed, Postgres ignores everything up to the Sync, after which the second ROLLBACK applies.
    await this.db.execProtocolRawStream(
      new Uint8Array(Buffer.concat([query('ROLLBACK'), SYNC])),
      discard,
    );
    if (this.db.isInTransaction()) {
      await this.db.execProtocolRawStream(new Uint8Array(query('ROLLBACK')), discard);
    }
  }

  private startIdleTimer(connection: Connection): void {
    if (this.idleTimeoutMs <= 0) return;
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => {
      if (this.owner !== connection || connection.closed) return;
      const { socket } = connection;
      // FATAL, then close, as Postgres does; the rollback need not wait for the client to go.
      socket.end(IDLE_IN_TRANSACTION_TIMEOUT_ERROR, () => socket.destroy());
      this.disconnected(connection);
    }, this.idleTimeoutMs);
    connection.idleTimer.unref();
  }
}

const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

function query(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`);
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([header, text]);
}

function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(fields)
      .map(([k, v]) => `${k}${v}\0`)
      .join('')}\0`,
  );
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

const IDLE_IN_TRANSACTION_TIMEOUT_ERROR = errorResponse({
  S: 'FATAL',
  V: 'FATAL',
  C: '25P03',
  M: 'terminating connection due to idle-in-transaction timeout',
});
