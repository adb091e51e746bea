// Request validation. Bodies are validated strictly — no type coercion ("100" is not a number),
// unknown fields rejected (schemas say additionalProperties: false) — while querystrings and
// params, which are always strings on the wire, are coerced to the schema's types.
import fp from 'fastify-plugin';
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

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

export default fp(
  async function validationPlugin(app: FastifyInstance) {
    const bodyAjv = makeAjv({ coerceTypes: false });
    const urlAjv = makeAjv({ coerceTypes: 'array' });
    app.setValidatorCompiler(({ schema, httpPart }) => {
      if (httpPart !== 'body') return urlAjv.compile(schema);
      const validate = bodyAjv.compile(schema);
      // A request without a body is validated as an empty object: optional-only bodies pass,
      // required fields are still reported by name.
      return (data: unknown) => {
        const ok = validate(data === undefined || data === null ? {} : data);
        if (!ok) return { error: Object.assign(new Error('invalid body'), { validation: validate.errors }) } as never;
        return true;
      };
    });
  },
  { name: 'validation' },
);
