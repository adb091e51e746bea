// Helpers for the free-text filters of list endpoints.

/** `%text%` for ILIKE with the wildcards in `text` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** One page of a newest-first list; `startingAfter` is the last id of the previous page. */
export interface Page {
  limit: number;
  startingAfter?: string | undefined;
}

export interface CreatedRange {
  gte?: Date | undefined;
  lte?: Date | undefined;
}
