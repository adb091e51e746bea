// Request validation. Bodies are validated strictly — no type coercion ("100" is not a number),
// unknown fields rejected (schemas say additionalProperties: false) — while querystrings and
// params, which are always strings on the wire, are coerced to the schema's types.
//
// Some input is refused on every route, whatever its schema says, so that a route added later
// cannot forget it (issue 10):
//  - JSON nested deeper than MAX_JSON_DEPTH, before it is parsed: nothing recursive ever sees it;
//  - a NUL byte or an unpaired surrogate in any string or key of the body, query, path
//    parameters or headers (PostgreSQL cannot store either), as 400 `invalid_characters`;
//  - integers outside the safe range, which no id, amount or cursor of ours can be;
//  - a missing or null body where the schema requires one (Type.Optional marks one that is not);
//  - a body sent to a route that declares none.
import fp from 'fastify-plugin';
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../lib/errors.ts';
import { MAX_JSON_DEPTH, fieldPath, findInputProblem } from '../../lib/schemas.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    ...options,
  });
  addFormats(ajv);
  return ajv;
}

type JsonSchema = Record<string, unknown>;

/**
 * A copy of the schema whose integers are bounded to the safe range: beyond it a number is no
 * longer the integer the client wrote, and PostgreSQL's bigint refuses what JavaScript prints
 * ("1e+308"). Bounds a schema states itself are kept when tighter.
 */
function withSafeIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withSafeIntegers);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: JsonSchema = Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, withSafeIntegers(v)]),
  );
  const type = copy.type;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    copy.maximum = Math.min(
      typeof copy.maximum === 'number' ? copy.maximum : Infinity,
      Number.MAX_SAFE_INTEGER,
    );
    copy.minimum = Math.max(
      typeof copy.minimum === 'number' ? copy.minimum : -Infinity,
      Number.MIN_SAFE_INTEGER,
    );
  }
  return copy;
}

/** TypeBox marks `Type.Optional(...)` with this (non-enumerable) flag. */
const isOptional = (schema: unknown) =>
  (schema as { '~optional'?: boolean } | null)?.['~optional'] === true;

/**
 * Whether `text` opens more than `max` arrays or objects at once. One pass, no recursion, and
 * string contents (escapes included) are skipped, so `"[[["` counts for nothing.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

const isEmptyObject = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 0;

/** The request parts checked for forbidden characters, in the order their errors are reported. */
const PARTS = [
  ['params', (r: FastifyRequest) => r.params],
  ['querystring', (r: FastifyRequest) => r.query],
  ['body', (r: FastifyRequest) => r.body],
  ['headers', (r: FastifyRequest) => r.headers],
] as const;

export default fp(
  async function validationPlugin(app: FastifyInstance) {
    const bodyAjv = makeAjv({ coerceTypes: false });
    const urlAjv = makeAjv({ coerceTypes: 'array' });
    app.setValidatorCompiler(({ schema, httpPart }) => {
      if (httpPart !== 'body') return urlAjv.compile(withSafeIntegers(schema) as JsonSchema);
      const validate = bodyAjv.compile(withSafeIntegers(schema) as JsonSchema);
      const optional = isOptional(schema);
      return (data: unknown) => {
        if (data === undefined || data === null) {
          // Validated as an empty object: optional-only bodies pass, required fields are still
          // reported by name. The handler sees no body (undefined) rather than a null.
          if (!optional) {
            return {
              error: badRequest('body_required', 'This request needs a JSON object body.', {
                details: { location: 'body' },
              }),
            } as never;
          }
          if (!validate({}))
            return {
              error: Object.assign(new Error('invalid body'), { validation: validate.errors }),
            } as never;
          return { value: undefined } as never;
        }
        if (!validate(data))
          return {
            error: Object.assign(new Error('invalid body'), { validation: validate.errors }),
          } as never;
        return true;
      };
    });

    // The default JSON parser (prototype poisoning refused), behind a depth check that reads the
    // text once and never recurses.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
        done(
          badRequest(
            'json_too_deep',
            `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`,
          ),
          undefined,
        );
        return;
      }
      parseJson(request, text, done);
    });

    app.addHook('preValidation', async (request) => {
      // No route matched: the not-found handler answers, and reads nothing of the request.
      if (request.is404) return;
      for (const [location, read] of PARTS) {
        const found = findInputProblem(read(request));
        if (!found) continue;
        const field = fieldPath(found.path) || location;
        if (found.problem === 'too_deep') {
          throw badRequest(
            'json_too_deep',
            `${field} nests more than ${MAX_JSON_DEPTH} levels deep.`,
            { field, details: { location } },
          );
        }
        throw badRequest(
          'invalid_characters',
          `${field} contains a NUL character or an unpaired UTF-16 surrogate, which are not accepted.`,
          {
            field,
            details: { location },
          },
        );
      }
      // A route without a body schema takes no body: refuse one rather than let it reach a
      // handler, the idempotency hash or the audit log unchecked. (A body a route's own parser
      // keeps as bytes — the webhook intake's — is that route's to verify.)
      const body = request.body;
      if (
        request.routeOptions.schema?.body === undefined &&
        body !== undefined &&
        body !== null &&
        !isEmptyObject(body) &&
        !Buffer.isBuffer(body)
      ) {
        throw badRequest('body_not_allowed', 'This operation takes no request body.', {
          details: { location: 'body' },
        });
      }
    });
  },
  { name: 'validation' },
);
