// What a request brings for correlation (ADR 021): a valid X-Request-Id is kept as the request's
// id, in the response header and in the logs; an invalid one is replaced. With tracing off (as
// here: no OTEL_EXPORTER_OTLP_ENDPOINT), request logs carry the caller's trace id from traceparent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** The "request completed" log line of the request with this id. */
const completedLine = (id: string) =>
  t.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.reqId === id && line.msg === 'request completed');

describe('X-Request-Id', () => {
  it('when a valid id is sent, then it is the request id in the response header, errors and logs', async () => {
    const id = 'edge-7f3a.01:req_9';
    const res = await t.app.inject({ url: '/api/nope', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.json().error.request_id).toBe(id);
    expect(completedLine(id)).toMatchObject({ route: 'unmatched', status: 404 });
  });

  it('when the id is invalid (too long, spaces, quotes), then a generated one replaces it', async () => {
    for (const sent of ['x'.repeat(129), 'two words', 'a"b', '']) {
      const res = await t.app.inject({ url: '/api/catalog', headers: { 'x-request-id': sent } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toMatch(/^req_[A-Za-z0-9_-]+$/);
      expect(res.headers['x-request-id']).not.toBe(sent);
    }
  });

  it('when none is sent, then each request gets its own generated id', async () => {
    const [a, b] = await Promise.all([t.app.inject('/api/catalog'), t.app.inject('/api/catalog')]);
    expect(a.headers['x-request-id']).toMatch(/^req_/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('traceparent with tracing off', () => {
  it("when a valid traceparent is sent, then the request's log lines carry its trace id", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await t.app.inject({
      url: '/api/catalog',
      headers: {
        'x-request-id': 'traced-request-1',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    expect(completedLine('traced-request-1')).toMatchObject({ trace_id: traceId });
    // No span of ours exists, so no span id is claimed.
    expect(completedLine('traced-request-1')).not.toHaveProperty('span_id');
  });

  it('when traceparent is malformed, then no trace id is logged', async () => {
    await t.app.inject({
      url: '/api/catalog',
      headers: { 'x-request-id': 'traced-request-2', traceparent: '00-nothex-01' },
    });
    expect(completedLine('traced-request-2')).not.toHaveProperty('trace_id');
  });
});

describe('/readyz', () => {
  it('when Stripe does not answer, then the instance stays ready: only our own dependencies count', async () => {
    await t.sim.close();
    const res = await t.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().checks)).not.toContain('stripe');
    expect(res.json().checks.database).toEqual({ status: 'ok' });
    if (process.env.REDIS_URL) expect(res.json().checks.redis).toEqual({ status: 'ok' });
  });
});
