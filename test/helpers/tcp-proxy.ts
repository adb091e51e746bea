// A small TCP proxy on 127.0.0.1 that a test puts between the app and PostgreSQL to play a real
// outage: `cut()` resets every open connection and refuses new ones (the listening socket is
// closed, so connecting fails with ECONNREFUSED, as with a stopped server); `restore()` listens
// again on the same port. Bounded: a connection limit, and `close()` ends everything it opened.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** The port clients connect to (it stays the same across cut and restore). */
  readonly port: number;
  /** Connections passing through right now. */
  readonly openConnections: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(
  target: { host: string; port: number },
  options: { maxConnections?: number } = {},
): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.maxConnections = options.maxConnections ?? 50;
  // An error accepting a connection (EMFILE under load) must not become an uncaught exception in
  // the test process: the client sees its connection refused, as from a real server.
  server.on('error', () => {});

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const resetAll = () => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get openConnections() {
      return pairs.size;
    },
    rewrite(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    async cut() {
      const closed = stopListening();
      resetAll();
      await closed;
    },
    async restore() {
      if (!server.listening) await listen(port);
    },
    async close() {
      const closed = stopListening();
      resetAll();
      await closed;
    },
  };
}
