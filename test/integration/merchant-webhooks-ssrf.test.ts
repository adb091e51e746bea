// The SSRF guard of merchant webhook deliveries (ADR 026), against real sockets: with private
// targets not allowed, loopback, private and link-local addresses are refused — written as
// literals, and behind a name that resolves to loopback, checked at connect time — and the
// receiver never sees a request; redirects are answered, never followed. Registration refuses
// http:// and private literals where private targets are not allowed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { anApiKey, ALL_SCOPES } from '../helpers/api-keys.ts';
import { isPrivateAddress, postWebhook } from '../../src/modules/merchant-webhooks/sender.ts';

async function aServer(handler: http.RequestListener) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let target: Awaited<ReturnType<typeof aServer>>;
let redirector: Awaited<ReturnType<typeof aServer>>;
beforeAll(async () => {
  target = await aServer((_req, res) => res.writeHead(200).end('reached'));
  redirector = await aServer((_req, res) =>
    res.writeHead(302, { location: `http://127.0.0.1:${target.port}/moved` }).end(),
  );
});
afterAll(async () => {
  await target.close();
  await redirector.close();
});

const send = (url: string, allowPrivate: boolean) =>
  postWebhook({
    url,
    headers: { 'webhook-id': 'msg_test' },
    body: '{}',
    allowPrivate,
    timeoutMs: 2000,
  });

describe('merchant webhooks: the SSRF guard', () => {
  it('when private targets are not allowed, then loopback, private and link-local addresses are refused before any request', async () => {
    for (const url of [
      `http://127.0.0.1:${target.port}/x`,
      `http://[::1]:${target.port}/x`,
      `http://[::ffff:127.0.0.1]:${target.port}/x`,
      'http://10.1.2.3/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://192.168.1.1/x',
      'http://0.0.0.0/x',
    ]) {
      await expect(send(url, false), url).rejects.toThrow(/private address/);
    }
    expect(target.hits).toEqual([]);
  });

  it('when a name resolves to loopback, then the connection is refused at connect time', async () => {
    await expect(send(`http://localhost:${target.port}/x`, false)).rejects.toThrow(
      /resolves to .* private address/,
    );
    expect(target.hits).toEqual([]);
  });

  it('when private targets are allowed, then the same address is reached', async () => {
    const res = await send(`http://localhost:${target.port}/allowed`, true);
    expect(res).toEqual({ status: 200, body: 'reached' });
    expect(target.hits).toEqual(['/allowed']);
  });

  it('when the endpoint redirects, then the redirect is not followed', async () => {
    target.hits.length = 0;
    const res = await send(`http://127.0.0.1:${redirector.port}/hook`, true);
    expect(res.status).toBe(302);
    expect(redirector.hits).toEqual(['/hook']);
    expect(target.hits).toEqual([]);
  });

  it('when an answer is large, then only the first 4 KB are read', async () => {
    const big = await aServer((_req, res) => res.writeHead(500).end('x'.repeat(100_000)));
    try {
      const res = await send(`http://127.0.0.1:${big.port}/`, true);
      expect(res.status).toBe(500);
      expect(res.body.length).toBe(4096);
    } finally {
      await big.close();
    }
  });

  it('when the endpoint does not answer, then the attempt ends at the timeout', async () => {
    const silent = await aServer(() => {});
    try {
      const started = Date.now();
      await expect(
        postWebhook({
          url: `http://127.0.0.1:${silent.port}/`,
          headers: {},
          body: '{}',
          allowPrivate: true,
          timeoutMs: 300,
        }),
      ).rejects.toThrow(/no answer within/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await silent.close();
    }
  });

  it('knows which addresses are private', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('merchant webhooks: registration where private targets are not allowed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { MERCHANT_WEBHOOKS_ALLOW_PRIVATE: 'false' } });
  });
  afterAll(() => t.close());

  it('when the URL is http:// or names a private address, then it is refused', async () => {
    const { api } = await anApiKey(t, ALL_SCOPES);
    for (const url of [
      'http://example.com/hooks',
      'https://127.0.0.1/hooks',
      'https://[::1]/hooks',
      'https://169.254.169.254/hooks',
      'https://localhost/hooks',
    ]) {
      const res = await api.request('POST', '/api/v1/webhook_endpoints', {
        body: { url, events: ['order.paid'] },
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.field).toBe('url');
    }
  });
});
