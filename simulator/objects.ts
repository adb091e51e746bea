// What every resource shares: lists with Stripe's cursor pagination, `expand`, and search.
import { invalidRequest } from './errors.ts';
import { int, obj, type Params } from './params.ts';
import type { CollectionName, Store } from './store.ts';
import type { StripeObject } from './types.ts';
import { clone } from './util.ts';

export interface ListObject<T = unknown> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

const PREFIX_COLLECTION: Record<string, CollectionName> = {
  cus: 'customers',
  pm: 'payment_methods',
  seti: 'setup_intents',
  pi: 'payment_intents',
  ch: 'charges',
  re: 'refunds',
  dp: 'disputes',
  evt: 'events',
  we: 'webhook_endpoints',
  txn: 'balance_transactions',
};

function collectionOfId(id: string): CollectionName | undefined {
  return PREFIX_COLLECTION[id.slice(0, id.indexOf('_'))];
}

function limitOf(params: Params): number {
  const limit = int(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidRequest('Invalid limit: must be between 1 and 100', { param: 'limit' });
  }
  return limit;
}

/** `created=…` or `created[gt|gte|lt|lte]=…`, as every Stripe list accepts. */
function createdFilter(params: Params): ((o: StripeObject) => boolean) | null {
  if (params.created === undefined) return null;
  if (typeof params.created === 'string') {
    const at = int(params, 'created')!;
    return (o) => o.created === at;
  }
  const range = obj(params, 'created') ?? {};
  const bound = (k: string) => int(range, k);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (o) =>
    (gt === undefined || o.created > gt) &&
    (gte === undefined || o.created >= gte) &&
    (lt === undefined || o.created < lt) &&
    (lte === undefined || o.created <= lte);
}

/**
 * A page of `items` (already newest first and filtered), following Stripe's cursors:
 * `starting_after` pages towards older objects, `ending_before` towards newer ones.
 */
export function paginate<T extends StripeObject>(
  items: T[],
  params: Params,
  url: string,
): ListObject<T> {
  const limit = limitOf(params);
  const created = createdFilter(params);
  const all = created ? items.filter(created) : items;
  const after = typeof params.starting_after === 'string' ? params.starting_after : undefined;
  const before = typeof params.ending_before === 'string' ? params.ending_before : undefined;
  const indexOf = (id: string, param: string) => {
    const i = all.findIndex((o) => o.id === id);
    if (i < 0)
      throw invalidRequest(`No such object: '${id}'`, {
        param,
        code: 'resource_missing',
        status: 404,
      });
    return i;
  };
  if (before) {
    const end = indexOf(before, 'ending_before');
    const start = Math.max(0, end - limit);
    return { object: 'list', data: all.slice(start, end), has_more: start > 0, url };
  }
  const start = after ? indexOf(after, 'starting_after') + 1 : 0;
  const data = all.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < all.length, url };
}

/**
 * Replaces ids with objects along each `expand` path (`latest_charge`, `data.customer`,
 * `latest_charge.balance_transaction`). Works on copies: stored objects keep ids.
 */
export function expand<T>(store: Store, value: T, paths: string[]): T {
  let out: unknown = value;
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length > 4) {
      throw invalidRequest(`You cannot expand more than 4 levels of a property (${path}).`, {
        param: 'expand',
      });
    }
    out = expandPath(store, out, parts, path);
  }
  return out as T;
}

function expandPath(store: Store, value: unknown, parts: string[], full: string): unknown {
  if (parts.length === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => expandPath(store, v, parts, full));
  const [head, ...rest] = parts as [string, ...string[]];
  const record = value as Record<string, unknown>;
  if (!(head in record)) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  }
  let field = record[head];
  if (typeof field === 'string') {
    const collection = collectionOfId(field);
    const found = collection ? store.get(collection, field) : undefined;
    const deleted = store.internal.deleted[field];
    if (!found && deleted)
      return { ...record, [head]: { id: field, object: deleted, deleted: true } };
    if (!found) {
      throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
    }
    field = clone(found);
  }
  return { ...record, [head]: expandPath(store, field, rest, full) };
}

/** Stripe's search result object; `page` is an opaque cursor (here, an offset). */
export interface SearchResult<T> {
  object: 'search_result';
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

type Comparator = ':' | '~' | '>' | '<' | '>=' | '<=';
interface Clause {
  negate: boolean;
  field: string[];
  op: Comparator;
  value: string;
}

// Linear: each alternative consumes distinct characters; queries are also capped in length.
const CLAUSE =
  // eslint-disable-next-line security/detect-unsafe-regex
  /^\s*(-?)([a-z_]+(?:\[['"][^'"]+['"]\])?(?:\.[a-z_]+)*)\s*(:|~|>=|<=|>|<)\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^\s'"]+))\s*/;

/** Parses Stripe's search query language: clauses joined by AND or by OR (not both). */
function parseQuery(query: string): { clauses: Clause[]; join: 'AND' | 'OR' } {
  if (query.length > 1000)
    throw invalidRequest('Search queries are limited to 1000 characters.', { param: 'query' });
  const clauses: Clause[] = [];
  const joins = new Set<string>();
  let rest = query;
  for (;;) {
    const m = CLAUSE.exec(rest);
    if (!m) throw invalidRequest(`Invalid search query: ${query}`, { param: 'query' });
    const [, neg, rawField, op, single, double, bare] = m;
    const field = rawField!.replace(/\[['"]([^'"]+)['"]\]/, '.$1').split('.');
    clauses.push({
      negate: neg === '-',
      field,
      op: op as Comparator,
      value: single ?? double ?? bare ?? '',
    });
    rest = rest.slice(m[0].length);
    if (rest.trim() === '') break;
    const j = /^(AND|OR)\s+/.exec(rest);
    if (!j) throw invalidRequest(`Invalid search query: ${query}`, { param: 'query' });
    joins.add(j[1]!);
    rest = rest.slice(j[0].length);
  }
  if (joins.size > 1) {
    throw invalidRequest('Search queries cannot mix AND and OR.', { param: 'query' });
  }
  return { clauses, join: joins.has('OR') ? 'OR' : 'AND' };
}

function clauseMatches(o: StripeObject, c: Clause): boolean {
  let v: unknown = o;
  for (const f of c.field)
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[f] : undefined;
  let result: boolean;
  if (c.op === ':') result = v !== undefined && v !== null && String(v) === c.value;
  else if (c.op === '~')
    result = typeof v === 'string' && v.toLowerCase().includes(c.value.toLowerCase());
  else {
    const [a, b] = [Number(v), Number(c.value)];
    result = c.op === '>' ? a > b : c.op === '<' ? a < b : c.op === '>=' ? a >= b : a <= b;
  }
  return c.negate ? !result : result;
}

export function search<T extends StripeObject>(
  items: T[],
  params: Params,
  url: string,
): SearchResult<T> {
  const query = typeof params.query === 'string' ? params.query : '';
  if (!query)
    throw invalidRequest('Missing required param: query.', {
      param: 'query',
      code: 'parameter_missing',
    });
  const { clauses, join } = parseQuery(query);
  const matched = items.filter((o) =>
    join === 'AND'
      ? clauses.every((c) => clauseMatches(o, c))
      : clauses.some((c) => clauseMatches(o, c)),
  );
  const limit = limitOf(params);
  const start = typeof params.page === 'string' ? Number(params.page) || 0 : 0;
  const data = matched.slice(start, start + limit);
  const more = start + limit < matched.length;
  return {
    object: 'search_result',
    data,
    has_more: more,
    next_page: more ? String(start + limit) : null,
    url,
  };
}
