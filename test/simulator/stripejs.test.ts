// Serving the Stripe.js stand-in (written by its own author under simulator/stripejs/) and CORS.
// The asset files are part of the simulator: a missing or emptied one fails here, by name.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { startSim } from './helpers.ts';

let sim: SimulatorHandle;

/** The asset as it is in the repository; fails with a clear message when it is missing. */
function asset(name: string): string {
  const url = new URL(`../../simulator/stripejs/${name}`, import.meta.url);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed names in the repo
  const present = existsSync(url);
  expect(present, `simulator/stripejs/${name} is missing: the Stripe.js stand-in needs it`).toBe(
    true,
  );
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed names in the repo
  const text = readFileSync(url, 'utf8');
  expect(text.trim(), `simulator/stripejs/${name} is empty`).not.toBe('');
  return text;
}

/** Fetches `path` and checks it serves exactly the asset file, of that type, containing `marker`. */
async function expectServed(path: string, name: string, type: RegExp, marker: string) {
  const file = asset(name);
  expect(file, `simulator/stripejs/${name} does not look like the real asset`).toContain(marker);
  const res = await fetch(`${sim.url}${path}`);
  expect(res.status, `GET ${path}`).toBe(200);
  expect(res.headers.get('content-type')).toMatch(type);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(await res.text(), `GET ${path} should serve simulator/stripejs/${name}`).toBe(file);
}

beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.close());

describe('Stripe.js stand-in', () => {
  it.each(['/v3/', '/v3', '/stripe.js', '/endive/stripe.js'])(
    'when %s is requested, then stripe.js is served',
    async (path) => {
      await expectServed(path, 'stripe.js', /javascript/, 'window.Stripe = Stripe');
      expect(asset('stripe.js')).toContain("RELEASE_TRAIN = 'endive'");
    },
  );

  it.each([
    ['card-frame.html', /text\/html/, '<title>Secure card payment input frame</title>'],
    ['card-frame.js', /javascript/, 'postMessage'],
    ['card-frame.css', /text\/css/, 'body'],
    ['challenge.js', /javascript/, 'sim-3ds-result'],
    ['challenge.css', /text\/css/, 'body'],
  ] as const)(
    'when /elements/%s is requested, then the file is served',
    async (name, type, marker) => {
      await expectServed(`/elements/${name}`, name, type, marker);
    },
  );

  it('when a name outside the folder or an unknown file is requested, then 404', async () => {
    expect((await fetch(`${sim.url}/elements/..%2Fserver.ts`)).status).toBe(404);
    expect((await fetch(`${sim.url}/elements/missing-file.js`)).status).toBe(404);
  });

  it('when the 3DS page is requested, then challenge.html is served', async () => {
    await expectServed(
      '/_sim/3ds/pi_123',
      'challenge.html',
      /text\/html/,
      'Complete authentication',
    );
    expect(asset('challenge.html')).toContain('Fail authentication');
  });

  it('when a browser preflights an API call, then any origin with Authorization is allowed', async () => {
    const res = await fetch(`${sim.url}/v1/payment_methods`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Stripe-Version/);
  });
});
