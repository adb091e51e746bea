// Serving the Stripe.js stand-in (written by its own author under simulator/stripejs/) and CORS.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/index.ts';
import { startSim } from './helpers.ts';

let sim: SimulatorHandle;
const has = (name: string) =>
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed names in the repo
  existsSync(new URL(`../../simulator/stripejs/${name}`, import.meta.url));

beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.close());

describe('Stripe.js stand-in', () => {
  it.each(['/v3/', '/stripe.js', '/endive/stripe.js'])(
    'when %s is requested, then stripe.js is served (or 404 if absent)',
    async (path) => {
      const res = await fetch(`${sim.url}${path}`);
      if (!has('stripe.js')) return expect(res.status).toBe(404);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    },
  );

  it('when an element file is requested, then it is served; traversal is refused', async () => {
    const res = await fetch(`${sim.url}/elements/card-frame.html`);
    expect(res.status).toBe(has('card-frame.html') ? 200 : 404);
    expect((await fetch(`${sim.url}/elements/..%2Fserver.ts`)).status).toBe(404);
    expect((await fetch(`${sim.url}/elements/missing-file.js`)).status).toBe(404);
  });

  it('when the 3DS page is requested, then challenge.html is served', async () => {
    const res = await fetch(`${sim.url}/_sim/3ds/pi_123`);
    expect(res.status).toBe(has('challenge.html') ? 200 : 404);
    if (res.status === 200) expect(res.headers.get('content-type')).toMatch(/text\/html/);
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
