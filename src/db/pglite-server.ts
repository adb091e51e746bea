// A Postgres wire-protocol server in front of one PGlite instance, for the embedded database.
//
// PGlite is a single session. @electric-sql/pglite-socket multiplexes clients onto it message by
// message, which breaks the extended query protocol under concurrency: connection A's Parse and
// connection B's Parse both use the unnamed statement, so A's Bind then meets B's statement
// ("bind message supplies 2 parameters, but prepared statement requires 1"). This server keeps
// each client's messages together up to a synchronisation point (Sync, Query, Terminate) and
// runs one batch at a time; while a client has a transaction open, only that client runs.
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const BATCH_END = new Set(['S', 'Q', 'X']);

interface Waiter {
  connectionId: number;
  run: () => void;
}

export class PgliteServer {
  private server: net.Server | undefined;
  private nextId = 1;
  private busy = false;
  /** The connection whose transaction is open; others wait for it. */
  private txOwner: number | null = null;
  private readonly waiting: Waiter[] = [];
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly db: PGlite) {}

  async listen(port: number, host: string): Promise<number> {
    this.server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: net.Socket): void {
    const id = this.nextId++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let pending: Buffer[] = [];
    let started = false;
    let chain = Promise.resolve();

    const send = (batch: Buffer) => {
      chain = chain.then(() => this.execute(id, batch, socket)).catch(() => {
        socket.destroy();
      });
    };

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
            send(Buffer.from(message));
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0]!);
        pending.push(Buffer.from(buffer.subarray(0, length)));
        buffer = buffer.subarray(length);
        if (type === 'X') {
          pending = [];
          socket.end();
          return;
        }
        if (BATCH_END.has(type)) {
          send(Buffer.concat(pending));
          pending = [];
        }
      }
    });

    const cleanup = () => {
      this.sockets.delete(socket);
      // A client that vanished mid-transaction must not hold everyone else forever.
      if (this.txOwner === id) {
        chain = chain.then(() =>
          this.execute(id, Buffer.alloc(0), null, async () => {
            await this.db.exec('ROLLBACK');
          }),
        );
      }
    };
    socket.on('close', cleanup);
    socket.on('error', () => socket.destroy());
  }

  /** Runs one batch when it is this connection's turn. */
  private execute(id: number, batch: Buffer, socket: net.Socket | null, override?: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const run = () => {
        this.busy = true;
        const work = override
          ? override()
          : this.db
              .execProtocolRawStream(new Uint8Array(batch), {
                onRawData: (data: Uint8Array) => {
                  if (socket && !socket.destroyed) socket.write(data);
                },
              })
              .then(() => undefined);
        work
          .then(() => {
            this.txOwner = this.db.isInTransaction() ? id : null;
            resolve();
          }, reject)
          .finally(() => {
            this.busy = false;
            this.dispatch();
          });
      };
      this.waiting.push({ connectionId: id, run });
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.busy) return;
    const index = this.waiting.findIndex((w) => this.txOwner === null || w.connectionId === this.txOwner);
    if (index === -1) return;
    const [next] = this.waiting.splice(index, 1);
    next!.run();
  }
}
