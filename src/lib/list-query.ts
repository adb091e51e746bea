// The query parameters of list endpoints, turned into plain values for the services.
import { badRequest } from './errors.ts';
import type { CreatedRange, Page } from './text-search.ts';

/** `created_gte=2026-01-31` / `created_gte=1769817600`: an ISO date-time or unix seconds. */
export function parseInstant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{1,11}$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw badRequest(
      'validation_failed',
      `${field} must be an ISO 8601 date-time or unix seconds.`,
      { field },
    );
  }
  return date;
}

export function createdRange(query: {
  created_gte?: string | undefined;
  created_lte?: string | undefined;
}): CreatedRange {
  return {
    gte: parseInstant(query.created_gte, 'created_gte'),
    lte: parseInstant(query.created_lte, 'created_lte'),
  };
}

/** A keyset page from a merchant API query (10 items unless asked otherwise). */
export function pageOf(q: {
  limit?: number | undefined;
  starting_after?: string | undefined;
}): Page {
  return { limit: q.limit ?? 10, startingAfter: q.starting_after };
}
