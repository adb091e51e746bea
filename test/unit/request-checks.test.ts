// The checks every request passes whatever its route (issue 10): JSON depth before parsing,
// forbidden characters anywhere, a bounded canonical form for hashing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { canonicalJson } from '../../src/lib/canonical-json.ts';
import { MAX_JSON_DEPTH, findInputProblem, hasForbiddenCharacter } from '../../src/lib/schemas.ts';
import errorsPlugin from '../../src/server/plugins/errors.ts';
import validationPlugin, { jsonNestsDeeperThan } from '../../src/server/plugins/validation.ts';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('jsonNestsDeeperThan', () => {
  it('when JSON opens more arrays or objects than allowed, then true; up to the limit, false', () => {
    expect(jsonNestsDeeperThan(nested(64), 64)).toBe(false);
    expect(jsonNestsDeeperThan(nested(65), 64)).toBe(true);
    expect(jsonNestsDeeperThan(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`, 64)).toBe(true);
    expect(jsonNestsDeeperThan(nested(1_000_000), 64)).toBe(true);
  });

  it('when brackets sit inside strings (escaped quotes included), then they do not count', () => {
    expect(
      jsonNestsDeeperThan(JSON.stringify({ a: '[[[[[[', b: '\\"[[[[[[', c: '"{{{{' }), 2),
    ).toBe(false);
    expect(jsonNestsDeeperThan('["\\\\", [[1]]]', 2)).toBe(true);
  });

  it('agrees with the depth of any value JSON.stringify writes', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object'
        ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const depth = depthOf(value);
        expect(jsonNestsDeeperThan(JSON.stringify(value), depth)).toBe(false);
        if (depth > 0) expect(jsonNestsDeeperThan(JSON.stringify(value), depth - 1)).toBe(true);
      }),
    );
  });
});

describe('findInputProblem', () => {
  it('when a string or a key anywhere holds NUL or an unpaired surrogate, then its path', () => {
    expect(findInputProblem({ a: [{ b: 'x\u0000' }] })).toEqual({
      problem: 'invalid_characters',
      path: ['a', '0', 'b'],
    });
    expect(findInputProblem({ meta: { 'k\u0000': 'v' } })).toEqual({
      problem: 'invalid_characters',
      path: ['meta', 'k\u0000'],
    });
    expect(findInputProblem({ a: '\ud800' })?.path).toEqual(['a']);
    expect(findInputProblem({ a: 'x\udc00' })?.path).toEqual(['a']);
    expect(findInputProblem('\u0000')).toEqual({ problem: 'invalid_characters', path: [] });
  });

  it('when text is well formed (emoji pairs, any other control character), then nothing', () => {
    expect(
      findInputProblem({ name: 'Zoë 😀 \t\u0001', n: 1, b: true, z: null, list: ['ok'] }),
    ).toBeUndefined();
    expect(findInputProblem(Buffer.from([0]))).toBeUndefined();
  });

  it('when a value nests deeper than allowed, then too_deep, without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findInputProblem(deep)?.problem).toBe('too_deep');
    expect(findInputProblem(JSON.parse(nested(MAX_JSON_DEPTH)))).toBeUndefined();
  });

  it('hasForbiddenCharacter knows a pair from a half, and NUL from any other character', () => {
    expect(hasForbiddenCharacter('😀')).toBe(false);
    expect(hasForbiddenCharacter('😀'.slice(0, 1))).toBe(true);
    expect(hasForbiddenCharacter('😀'.slice(1))).toBe(true);
    expect(hasForbiddenCharacter('\udbff\udfff')).toBe(false);
    const wellFormed = (text: string) =>
      (text as string & { isWellFormed(): boolean }).isWellFormed();
    const halves = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\u0000', '😀', 'a');
    fc.assert(
      fc.property(
        fc
          .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), halves))
          .map((parts) => parts.join('')),
        (text) => {
          expect(hasForbiddenCharacter(text)).toBe(text.includes('\u0000') || !wellFormed(text));
        },
      ),
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes dates as ISO strings', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: new Date(0) } })).toBe(
      '{"a":{"c":"1970-01-01T00:00:00.000Z","d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it('when a value nests without bound, then a clear error rather than a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    expect(() => canonicalJson(deep)).toThrow(/nested deeper than/);
  });
});

describe('a route added later, with nothing but a schema', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ logger: false });
    await app.register(errorsPlugin);
    await app.register(validationPlugin);
    app.post(
      '/later/:id',
      {
        schema: {
          body: Type.Object({ note: Type.String() }),
          querystring: Type.Object({ q: Type.Optional(Type.String()) }),
        },
      },
      async () => ({ ok: true }),
    );
    app.post('/later-without-body', async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  const post = (url: string, payload?: string) =>
    app.inject({
      method: 'POST',
      url,
      ...(payload !== undefined
        ? { payload, headers: { 'content-type': 'application/json' } }
        : {}),
    });

  it('when its body, query or path holds a NUL, then 400 invalid_characters naming the field', async () => {
    for (const [url, body, field] of [
      ['/later/1', '{"note":"a\\u0000"}', 'note'],
      ['/later/1?q=%00', '{"note":"a"}', 'q'],
      ['/later/%00', '{"note":"a"}', 'id'],
    ] as const) {
      const res = await post(url, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_characters', field });
    }
  });

  it('when its body is missing, null or too deep, then 400', async () => {
    expect((await post('/later/1')).json().error.code).toBe('body_required');
    expect((await post('/later/1', 'null')).json().error.code).toBe('body_required');
    expect((await post('/later/1', nested(MAX_JSON_DEPTH + 1))).json().error.code).toBe(
      'json_too_deep',
    );
    expect((await post('/later/1', '{"note":"fine"}')).statusCode).toBe(200);
  });

  it('when a route declares no body and is sent one, then 400 body_not_allowed; none, null or {} pass', async () => {
    expect((await post('/later-without-body', '{"a":1}')).json().error.code).toBe(
      'body_not_allowed',
    );
    for (const body of [undefined, 'null', '{}'])
      expect((await post('/later-without-body', body)).statusCode).toBe(200);
  });
});
