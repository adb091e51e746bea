// Deterministic JSON: object keys sorted at every depth. PostgreSQL's jsonb reorders keys, so
// anything hashed before storage must be hashed in a form that survives the round trip.

/**
 * Deeper than anything we hash (request bodies stop at MAX_JSON_DEPTH when parsed): reaching it
 * means a caller skipped that check, and a clear error beats exhausting the stack.
 */
export const MAX_CANONICAL_DEPTH = 256;

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

function sortKeys(value: unknown, depth: number): unknown {
  if (value instanceof Date) return value.toISOString();
  if (!value || typeof value !== 'object') return value;
  if (depth >= MAX_CANONICAL_DEPTH)
    throw new RangeError(`canonicalJson: value nested deeper than ${MAX_CANONICAL_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k], depth + 1)]),
  );
}
