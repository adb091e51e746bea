// Reading Stripe's form-encoded parameters (already parsed by `qs` into nested objects) with
// Stripe's own validation messages.
import { invalidRequest, missingParam } from './errors.ts';
import type { Metadata } from './types.ts';

export type Params = Record<string, unknown>;

/** Rejects parameters the endpoint does not know, as Stripe does ("Received unknown parameter"). */
export function allowOnly(params: Params, allowed: readonly string[]): void {
  const unknown = Object.keys(params).filter((k) => k !== 'expand' && !allowed.includes(k));
  if (unknown.length === 0) return;
  throw invalidRequest(
    `Received unknown parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
    { param: unknown[0], code: 'parameter_unknown' },
  );
}

export function str(
  params: Params,
  name: string,
  opts?: { required?: boolean },
): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') {
    if (opts?.required) throw missingParam(name);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${name}`, { param: name });
  return value;
}

export function requiredStr(params: Params, name: string): string {
  return str(params, name, { required: true }) as string;
}

/** A string that may be explicitly unset with an empty string (returns null then). */
export function nullableStr(params: Params, name: string): string | null | undefined {
  if (params[name] === '') return null;
  return str(params, name);
}

export function int(
  params: Params,
  name: string,
  opts?: { required?: boolean },
): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') {
    if (opts?.required) throw missingParam(name);
    return undefined;
  }
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw invalidRequest(`Invalid integer: ${String(value)}`, { param: name });
  }
  return n;
}

export function bool(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  throw invalidRequest(`Invalid boolean: ${String(value)}`, { param: name });
}

export function oneOf<T extends string>(
  params: Params,
  name: string,
  values: readonly T[],
): T | undefined {
  const value = str(params, name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${values.join(', ')}`, { param: name });
  }
  return value as T;
}

export function obj(params: Params, name: string): Params | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest(`Invalid object`, { param: name });
  }
  return value as Params;
}

/** Arrays arrive as `a[0]=x&a[1]=y` (the SDK), `a[]=x` (curl habits) or a lone `a=x`. */
export function strArray(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === '') return [];
  const list = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null
      ? Object.values(value)
      : [value];
  if (!list.every((v): v is string => typeof v === 'string')) {
    throw invalidRequest(`Invalid array`, { param: name });
  }
  return list;
}

export function expandPaths(params: Params): string[] {
  return strArray(params, 'expand') ?? [];
}

/**
 * Stripe's metadata update semantics: keys are merged, a key set to '' is removed, and
 * `metadata=''` clears everything.
 */
export function applyMetadata(current: Metadata, update: unknown, param = 'metadata'): Metadata {
  if (update === undefined) return current;
  if (update === '') return {};
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    throw invalidRequest('Invalid metadata: must be an object', { param });
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (typeof value !== 'string') {
      throw invalidRequest(`Invalid value for metadata key ${key}`, { param: `${param}[${key}]` });
    }
    if (key.length > 40) {
      throw invalidRequest('Metadata keys can have at most 40 characters.', {
        param: `${param}[${key}]`,
      });
    }
    if (value.length > 500) {
      throw invalidRequest('Metadata values can have at most 500 characters.', {
        param: `${param}[${key}]`,
      });
    }
    if (value === '') delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) {
    throw invalidRequest('Metadata can have at most 50 keys.', { param });
  }
  return next;
}

/** Address-like sub-objects: every known field present, null when not given. */
export function withNulls(
  fields: readonly string[],
  given: Params | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = given?.[f];
    out[f] = v === undefined || v === '' ? null : v;
  }
  return out;
}

export const ADDRESS_FIELDS = [
  'city',
  'country',
  'line1',
  'line2',
  'postal_code',
  'state',
] as const;
