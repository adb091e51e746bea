// Named schemas in the OpenAPI document. Every sub-schema of a route's body or responses that
// carries a `title` (TypeBox option, e.g. `Type.Object({...}, { title: 'Order' })`) is documented
// once, as components.schemas[title], and referenced with `$ref` wherever it appears. This is what
// gives the generated web types (`npm run api:types`) their names.
//
// Only the document changes: Fastify validates and serialises with the route schemas as written
// (a title is an annotation; no `$id` is added, so Ajv sees nothing new).

type SchemaObject = Record<string, unknown>;

export const COMPONENTS_PREFIX = '#/components/schemas/';

/** Keywords whose values are data, not schemas: a `title` in there names nothing. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example', 'required']);

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function titleOf(schema: SchemaObject): string | undefined {
  return typeof schema.title === 'string' ? schema.title : undefined;
}

/** JSON with object keys sorted: two schemas are the same schema when these are equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * A copy of `value` in which every titled sub-schema (the root too, unless `keepRoot`) is replaced
 * by a `$ref` to its component; `onNamed` is told about each one replaced.
 */
function refTitled(
  value: unknown,
  onNamed: (title: string, schema: SchemaObject) => void,
  keepRoot = false,
): unknown {
  if (Array.isArray(value)) return value.map((item) => refTitled(item, onNamed));
  if (!isObject(value)) return value;
  const title = titleOf(value);
  if (title !== undefined && !keepRoot) {
    onNamed(title, value);
    return { $ref: `${COMPONENTS_PREFIX}${title}` };
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      DATA_KEYWORDS.has(key) ? item : refTitled(item, onNamed),
    ]),
  );
}

/**
 * The named schemas found in the routes' schemas so far. `components` is the live record handed to
 * @fastify/swagger as `components.schemas`: it is read (and converted to OpenAPI 3.0 like every
 * route schema) when the document is first built, after every route has been added.
 */
export class NamedSchemas {
  readonly components: Record<string, SchemaObject> = {};
  readonly #canonical = new Map<string, string>();

  /** Records the titled sub-schemas of a route schema part (body, a response). */
  collect(schema: unknown): void {
    refTitled(schema, (title, named) => this.#add(title, named));
  }

  #add(title: string, schema: SchemaObject): void {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(title)) {
      throw new Error(`OpenAPI: schema title "${title}" is not a component name ([A-Za-z0-9_])`);
    }
    // The component holds refs for the named schemas nested in it, which are added too.
    const component = refTitled(schema, (t, s) => this.#add(t, s), true) as SchemaObject;
    const canonical = canonicalJson(component);
    const known = this.#canonical.get(title);
    if (known === undefined) {
      this.#canonical.set(title, canonical);
      this.components[title] = component;
    } else if (known !== canonical) {
      throw new Error(
        `OpenAPI: two different schemas are titled "${title}"; give one of them another title. ` +
          `First: ${known}\nThen: ${canonical}`,
      );
    }
  }

  /** The route schema as the document shows it: titled sub-schemas of body and responses as refs. */
  referenced<T extends SchemaObject>(schema: T): T {
    const ignore = () => {};
    const out: SchemaObject = { ...schema };
    if (schema.body !== undefined) out.body = refTitled(schema.body, ignore);
    if (isObject(schema.response)) {
      out.response = Object.fromEntries(
        Object.entries(schema.response).map(([status, part]) => [status, refTitled(part, ignore)]),
      );
    }
    return out as T;
  }
}

/**
 * OpenAPI 3.0 schemas are not full JSON Schema: `propertyNames` (which Ajv checks) is not allowed
 * in them. The document keeps it as the `x-propertyNames` extension, so it stays valid OpenAPI.
 */
export function withoutJsonSchemaOnlyKeywords<T>(document: T): T {
  // `names`: the keys of this object are names (of properties, paths, components), not keywords.
  const rewrite = (value: unknown, names = false): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item));
    if (!isObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key === 'propertyNames' && !names ? 'x-propertyNames' : key,
        DATA_KEYWORDS.has(key) && !names ? item : rewrite(item, !names && key === 'properties'),
      ]),
    );
  };
  return rewrite(document) as T;
}
