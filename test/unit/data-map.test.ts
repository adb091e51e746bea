// docs/compliance/data-map.md against the schema: every table and every column of
// src/db/schema.ts is in the map, and the map names nothing the schema lacks — so a new column
// holding personal data cannot arrive without someone saying what it is, why, and how long.
import { describe, expect, it } from 'vitest';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../src/db/schema.ts';
import { readRepoFile } from '../helpers/ops-files.ts';

const map = readRepoFile('docs/compliance/data-map.md');

/** table → columns, from the map: the rows of each table's section and its "Other columns". */
function columnsInMap(): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  for (const section of map.split(/^## /m).slice(1)) {
    const [heading = '', ...rest] = section.split('\n');
    const body = rest.join('\n');
    if (heading.trim() === 'Tables without personal data') {
      for (const [, table, list] of body.matchAll(/^- `([a-z_]+)`: (.*)$/gm)) {
        tables.set(table!, new Set([...list!.matchAll(/`([a-z_0-9]+)`/g)].map(([, c]) => c!)));
      }
      continue;
    }
    if (!/^[a-z_]+$/.test(heading.trim())) continue;
    const columns = new Set<string>();
    for (const [, column] of body.matchAll(/^\| `([a-z_0-9]+)`/gm)) columns.add(column!);
    const other = /Other columns, no personal data:([\s\S]*?)\.\s*$/m.exec(body);
    for (const [, column] of (other?.[1] ?? '').matchAll(/`([a-z_0-9]+)`/g)) columns.add(column!);
    tables.set(heading.trim(), columns);
  }
  return tables;
}

function columnsInSchema(): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  for (const value of Object.values(schema)) {
    if (!(value instanceof PgTable)) continue;
    const config = getTableConfig(value);
    tables.set(config.name, new Set(config.columns.map((c) => c.name)));
  }
  return tables;
}

describe('the data map', () => {
  it('when the schema has a table, then the map has it, and the other way round', () => {
    expect([...columnsInMap().keys()].sort()).toEqual([...columnsInSchema().keys()].sort());
  });

  it('when a table has a column, then the map names it exactly once, and names no column the table lacks', () => {
    const mapped = columnsInMap();
    const problems: string[] = [];
    for (const [table, columns] of columnsInSchema()) {
      const inMap = mapped.get(table) ?? new Set<string>();
      for (const c of columns) if (!inMap.has(c)) problems.push(`${table}.${c} is not in the map`);
      for (const c of inMap)
        if (!columns.has(c)) problems.push(`${table}.${c} is in the map but not the schema`);
    }
    expect(problems).toEqual([]);
  });

  it('when a column is listed as personal data, then its row says why, how it is kept, for how long, and who reads it', () => {
    const rows = [...map.matchAll(/^\| `([a-z_0-9]+)`(.*)$/gm)];
    expect(rows.length).toBeGreaterThan(30);
    for (const [, column, rest] of rows) {
      const cells = rest!
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean);
      expect(cells, column).toHaveLength(5);
    }
  });
});
