// Schema building blocks shared by every route: the error body, ids, bounded strings.
import { Type, type TSchema } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String(),
        message: Type.String(),
        request_id: Type.String(),
        field: Type.Optional(Type.String()),
      },
      { additionalProperties: true },
    ),
  },
  { title: 'Error' },
);

/** Standard error responses a route can produce, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}

/** A request body object: unknown fields are refused. */
export function StrictObject<T extends Record<string, TSchema>>(
  properties: T,
  description?: string,
) {
  return Type.Object(properties, {
    additionalProperties: false,
    ...(description ? { description } : {}),
  });
}

export const Uuid = Type.String({ format: 'uuid', maxLength: 36 });

/** How deep request JSON may nest: far beyond any schema of ours, far below any stack limit. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether text holds a character no request may carry: NUL, which PostgreSQL cannot store in
 * text or jsonb, or half of a UTF-16 surrogate pair, which jsonb refuses and UTF-8 cannot encode.
 */
export function hasForbiddenCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

export interface InputProblem {
  problem: 'invalid_characters' | 'too_deep';
  /** Where, from the root: object keys and array indexes. */
  path: string[];
}

/** A path as clients read it ("items.0.product_id"), with any forbidden character shown as U+FFFD. */
export function fieldPath(path: string[]): string {
  return path
    .map((key) =>
      hasForbiddenCharacter(key)
        ? key
            .replace(/[\ud800-\udfff]/g, '\ufffd')
            .split('\u0000')
            .join('\ufffd')
        : key,
    )
    .join('.');
}

/**
 * The first place in a parsed request part (body, query, params, headers) that no route may be
 * given: a forbidden character in a string or an object key, or nesting deeper than `maxDepth`.
 * Iterative, so that no input can exhaust the stack. Buffers are opaque bytes and not inspected.
 */
export function findInputProblem(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): InputProblem | undefined {
  const pending: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value: current, path } = next;
    if (typeof current === 'string') {
      if (hasForbiddenCharacter(current)) return { problem: 'invalid_characters', path };
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (path.length >= maxDepth) return { problem: 'too_deep', path };
    const entries = Array.isArray(current)
      ? current.map((item, i) => [String(i), item] as const)
      : Object.entries(current);
    for (const [key, item] of entries.reverse()) {
      if (hasForbiddenCharacter(key))
        return { problem: 'invalid_characters', path: [...path, key] };
      pending.push({ value: item, path: [...path, key] });
    }
  }
  return undefined;
}
