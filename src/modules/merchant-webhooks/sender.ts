// Sending one webhook request to a merchant's URL, guarded against server-side request forgery:
// the address actually connected to is checked (a `lookup` hook on the socket, so a name that
// resolves to a public address at registration and to 127.0.0.1 later — DNS rebinding — is
// refused at connect time), redirects are never followed, and both the wait and the answer read
// are bounded. Private targets are allowed only when the configuration says so (simulated mode).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** How long one attempt may take, connection and answer included. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How much of an answer is read and kept for the delivery log. */
export const MAX_RESPONSE_BYTES = 4096;

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64: may reach any IPv4 address
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** True for an address webhooks must not reach: private, loopback, link-local, reserved. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    // ::ffff:10.0.0.1 is 10.0.0.1.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** dns.lookup, refusing any answer that names a private address. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad || !list.length) {
      // A plain Error: it only ever becomes the attempt's `error` text in the delivery log.
      const refused = new Error(
        `refused: ${hostname} resolves to ${bad?.address ?? 'nothing'}, a private address`,
      );
      return callback(refused as NodeJS.ErrnoException, '', 4);
    }
    if (options.all) return callback(null, list as unknown as string, 4);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  allowPrivate: boolean;
  timeoutMs?: number;
}

export interface DeliveryResponse {
  status: number;
  /** The first MAX_RESPONSE_BYTES of the answer, as text. */
  body: string;
}

/** POSTs the body; resolves with any HTTP answer (3xx included: never followed), rejects otherwise. */
export function postWebhook(request: DeliveryRequest): Promise<DeliveryResponse> {
  const url = new URL(request.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!request.allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(new Error(`refused: ${host} is a private address`));
  }
  const transport = url.protocol === 'https:' ? https : http;
  const timeoutMs = request.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(request.body)),
          'user-agent': 'Paydeck-Webhooks/1',
        },
        // No pooling: each attempt resolves and checks its address afresh.
        agent: false,
        ...(request.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
          // Enough kept: stop reading a large (or endless) answer.
          if (size >= MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(request.body);
  });
}
