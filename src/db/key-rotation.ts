// Walks every column that holds personal data encrypted at rest (ADR 027) and re-encrypts what is
// not under the active key: `npm run keys:rotate` (mode "rotate": plain text and older keys), and
// every start-up (mode "plaintext": only rows written before encryption existed, once).
//
// Each table is walked in id order, BATCH rows at a time, one transaction per batch; the last id
// done is stored in data_encryption_progress, so an interrupted walk resumes where it stopped.
// Every change is a compare-and-set on the values read, so the walk runs online: a row a request
// changed meanwhile was written under the active key already and is simply left alone.
//
// This is the one place that knows every encrypted column; a component that adds one adds it to
// SEALED_TABLES (test/integration/data-encryption.test.ts fails on a personal value left in clear).
import { sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { sealedIdentity } from './sealed-users.ts';
import { USER_EMAIL, USER_NAME } from './sealed-users.ts';
import { KeyRingError } from '../lib/data-encryption.ts';
import { isSealed, keyRing, needsResealing, open, seal } from '../lib/personal-data.ts';

const BATCH = 500;

type Row = Record<string, unknown> & { id: string };

interface SealedTable {
  table: string;
  /** The primary key column and its SQL type (the stored progress is text). */
  id: string;
  idType: 'uuid' | 'bigint' | 'text';
  /** Text columns holding a sealed value each; the context is `<table>.<column>`. */
  columns: string[];
  /** Fields of a jsonb column holding a sealed value each (context `<table>.<column>.<field>`). */
  jsonFields?: { column: string; fields: string[] };
}

/** Every encrypted column but users' (which has blind indexes, handled apart). */
const SEALED_TABLES: SealedTable[] = [
  { table: 'sessions', id: 'id', idType: 'text', columns: ['ip', 'user_agent'] },
  { table: 'legal_acceptances', id: 'id', idType: 'bigint', columns: ['ip'] },
  { table: 'audit_entries', id: 'id', idType: 'bigint', columns: ['ip'] },
  {
    table: 'caught_mail',
    id: 'id',
    idType: 'bigint',
    columns: ['to_addresses', 'text', 'html'],
  },
  { table: 'operator_totp', id: 'user_id', idType: 'uuid', columns: ['secret'] },
  {
    table: 'merchant_webhook_endpoints',
    id: 'id',
    idType: 'uuid',
    columns: ['secret', 'previous_secret'],
  },
  {
    table: 'merchant_events',
    id: 'id',
    idType: 'uuid',
    columns: [],
    jsonFields: { column: 'data', fields: ['email', 'name'] },
  },
  {
    table: 'outbox',
    id: 'id',
    idType: 'bigint',
    columns: [],
    jsonFields: { column: 'payload', fields: ['email', 'name', 'token'] },
  },
];

const USERS: SealedTable = {
  table: 'users',
  id: 'id',
  idType: 'uuid',
  columns: ['email', 'name', 'email_index', 'name_index'],
};

export type Mode = 'rotate' | 'plaintext';

export interface TableProgress {
  table: string;
  /** Rows walked so far in this run (resumed walks count from where they resumed). */
  walked: number;
  /** Rows in the table when the walk started. */
  total: number;
  /** Rows rewritten under the active key. */
  changed: number;
  /** Rows holding a value under a key that is not in the ring: left as they are. */
  unreadable: number;
}

/** Whether a stored value needs work in this mode. */
function due(stored: string, mode: Mode): boolean {
  return mode === 'plaintext' ? !isSealed(stored) : needsResealing(stored);
}

const activeIndex = (index: string | null | undefined) =>
  typeof index === 'string' && index.startsWith(`${keyRing().activeKeyId}.`);

/** The new values of a users row, or undefined when it needs nothing. */
function resealUser(row: Row, mode: Mode): Record<string, unknown> | undefined {
  const email = row.email as string;
  const name = row.name as string;
  const nameIndex = (row.name_index as string[] | null) ?? null;
  const stale =
    due(email, mode) ||
    due(name, mode) ||
    (mode === 'rotate' &&
      (!activeIndex(row.email_index as string | null) ||
        nameIndex === null ||
        !nameIndex.every(activeIndex))) ||
    (mode === 'plaintext' && (row.email_index === null || nameIndex === null));
  if (!stale) return undefined;
  const sealed = sealedIdentity({ email: open(email, USER_EMAIL), name: open(name, USER_NAME) });
  return {
    email: sealed.email,
    email_index: sealed.emailIndex,
    name: sealed.name,
    name_index: sealed.nameIndex,
  };
}

/** The new values of a row of another table, or undefined when it needs nothing. */
function resealRow(t: SealedTable, row: Row, mode: Mode): Record<string, unknown> | undefined {
  const changes: Record<string, unknown> = {};
  for (const column of t.columns) {
    const value = row[column];
    if (typeof value !== 'string' || !due(value, mode)) continue;
    const context = `${t.table}.${column}`;
    changes[column] = seal(open(value, context), context);
  }
  if (t.jsonFields) {
    const { column, fields } = t.jsonFields;
    const data = row[column];
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      const record = { ...(data as Record<string, unknown>) };
      let touched = false;
      for (const field of fields) {
        const value = record[field];
        if (typeof value !== 'string' || !due(value, mode)) continue;
        const context = `${t.table}.${column}.${field}`;
        record[field] = seal(open(value, context), context);
        touched = true;
      }
      if (touched) changes[column] = record;
    }
  }
  return Object.keys(changes).length ? changes : undefined;
}

const columnsOf = (t: SealedTable) => [
  ...t.columns,
  ...(t.jsonFields ? [t.jsonFields.column] : []),
];

/** `column = value` for an update or a compare-and-set, typed as the column is. */
function assign(column: string, value: unknown) {
  const id = sql.identifier(column);
  if (Array.isArray(value))
    return sql`${id} = ${`{${value.map((v) => `"${v}"`).join(',')}}`}::text[]`;
  if (value !== null && typeof value === 'object')
    return sql`${id} = ${JSON.stringify(value)}::jsonb`;
  return sql`${id} = ${value as string | null}`;
}

function unchanged(column: string, value: unknown) {
  const id = sql.identifier(column);
  if (value === null) return sql`${id} IS NULL`;
  if (Array.isArray(value))
    return sql`${id} = ${`{${value.map((v) => `"${v}"`).join(',')}}`}::text[]`;
  if (typeof value === 'object') return sql`${id} = ${JSON.stringify(value)}::jsonb`;
  return sql`${id} = ${value as string}`;
}

async function walkBatch(
  db: DbOrTx,
  t: SealedTable,
  mode: Mode,
  afterId: string | null,
): Promise<{ rows: number; changed: number; unreadable: number; lastId: string | null }> {
  const table = sql.identifier(t.table);
  const id = sql.identifier(t.id);
  const after = afterId === null ? sql`true` : sql`${id} > ${afterId}::${sql.raw(t.idType)}`;
  const selected = sql.join(
    [sql`${id}::text AS id`, ...columnsOf(t).map((c) => sql.identifier(c))],
    sql`, `,
  );
  const { rows } = await db.execute<Row>(
    sql`SELECT ${selected} FROM ${table} WHERE ${after} ORDER BY ${id} LIMIT ${BATCH}`,
  );
  let changed = 0;
  let unreadable = 0;
  for (const row of rows) {
    let changes: Record<string, unknown> | undefined;
    try {
      changes = t === USERS ? resealUser(row, mode) : resealRow(t, row, mode);
    } catch (err) {
      if (!(err instanceof KeyRingError)) throw err;
      unreadable++;
      continue;
    }
    if (!changes) continue;
    const set = sql.join(
      Object.entries(changes).map(([c, v]) => assign(c, v)),
      sql`, `,
    );
    const same = sql.join(
      Object.keys(changes).map((c) => unchanged(c, row[c] ?? null)),
      sql` AND `,
    );
    const result = await db.execute(
      sql`UPDATE ${table} SET ${set} WHERE ${id} = ${row.id}::${sql.raw(t.idType)} AND ${same}`,
    );
    changed += result.rowCount ?? 0;
  }
  return { rows: rows.length, changed, unreadable, lastId: rows.at(-1)?.id ?? afterId };
}

interface Progress {
  keyId: string;
  lastId: string | null;
  doneAt: Date | null;
}

async function readProgress(db: DbOrTx, task: string): Promise<Progress | undefined> {
  const { rows } = await db.execute<{
    key_id: string;
    last_id: string | null;
    done_at: Date | null;
  }>(sql`SELECT key_id, last_id, done_at FROM data_encryption_progress WHERE task = ${task}`);
  const row = rows[0];
  return row && { keyId: row.key_id, lastId: row.last_id, doneAt: row.done_at };
}

async function saveProgress(
  db: DbOrTx,
  task: string,
  keyId: string,
  lastId: string | null,
  done: boolean,
): Promise<void> {
  await db.execute(sql`
    INSERT INTO data_encryption_progress (task, key_id, last_id, done_at, updated_at)
    VALUES (${task}, ${keyId}, ${lastId}, ${done ? sql`now()` : null}, now())
    ON CONFLICT (task) DO UPDATE
      SET key_id = EXCLUDED.key_id, last_id = EXCLUDED.last_id, done_at = EXCLUDED.done_at,
          updated_at = now()`);
}

async function countRows(db: DbOrTx, t: SealedTable): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM ${sql.identifier(t.table)}`,
  );
  return rows[0]?.n ?? 0;
}

export interface WalkOptions {
  /** Walk again tables a finished walk for the same key already covered. */
  again?: boolean;
  onProgress?: (progress: TableProgress) => void;
  /** Stops after this many batches in all (tests interrupt a walk with it). */
  maxBatches?: number;
}

/**
 * Walks every encrypted table; resumes each where an interrupted walk for the same active key
 * stopped, and skips tables already finished for it (unless `again`). Returns what was done per
 * table, and whether it stopped early (maxBatches).
 */
export async function walkEncryptedTables(
  db: { transaction<T>(fn: (tx: DbOrTx) => Promise<T>): Promise<T> } & DbOrTx,
  mode: Mode,
  options: WalkOptions = {},
): Promise<{ tables: TableProgress[]; interrupted: boolean }> {
  const keyId = keyRing().activeKeyId;
  const tables: TableProgress[] = [];
  let batches = 0;
  for (const t of [USERS, ...SEALED_TABLES]) {
    const task = `${mode}:${t.table}`;
    const saved = await readProgress(db, task);
    // Plain text converted once stays converted: new rows are written sealed.
    const finished = saved?.doneAt && (mode === 'plaintext' || saved.keyId === keyId);
    const progress: TableProgress = {
      table: t.table,
      walked: 0,
      total: 0,
      changed: 0,
      unreadable: 0,
    };
    tables.push(progress);
    if (finished && !options.again) continue;
    let lastId = saved && !saved.doneAt && saved.keyId === keyId ? saved.lastId : null;
    progress.total = await countRows(db, t);
    options.onProgress?.(progress);
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches)
        return { tables, interrupted: true };
      batches++;
      const batch = await db.transaction(async (tx) => {
        const done = await walkBatch(tx, t, mode, lastId);
        await saveProgress(tx, task, keyId, done.lastId, done.rows < BATCH);
        return done;
      });
      lastId = batch.lastId;
      progress.walked += batch.rows;
      progress.changed += batch.changed;
      progress.unreadable += batch.unreadable;
      options.onProgress?.(progress);
      if (batch.rows < BATCH) break;
    }
  }
  return { tables, interrupted: false };
}

/** How many stored values each key (or `plain`, not encrypted) holds, over every encrypted column. */
export async function valuesPerKey(db: DbOrTx): Promise<Map<string, number>> {
  const keyOfSealed = (value: ReturnType<typeof sql>) =>
    sql`CASE WHEN ${value} LIKE 'pd1.%' THEN split_part(${value}, '.', 2) ELSE 'plain' END`;
  const parts = [
    sql`SELECT ${keyOfSealed(sql`email`)} AS k FROM users`,
    sql`SELECT ${keyOfSealed(sql`name`)} FROM users`,
    sql`SELECT coalesce(split_part(email_index, '.', 1), 'plain') FROM users`,
    sql`SELECT split_part(w, '.', 1) FROM users, unnest(name_index) AS w`,
    sql`SELECT 'plain' FROM users WHERE name_index IS NULL`,
  ];
  for (const t of SEALED_TABLES) {
    for (const c of t.columns) {
      const column = sql.identifier(c);
      parts.push(
        sql`SELECT ${keyOfSealed(sql`${column}`)} FROM ${sql.identifier(t.table)} WHERE ${column} IS NOT NULL`,
      );
    }
    for (const f of t.jsonFields?.fields ?? []) {
      const value = sql`(${sql.identifier(t.jsonFields!.column)} ->> ${f})`;
      parts.push(
        sql`SELECT ${keyOfSealed(value)} FROM ${sql.identifier(t.table)} WHERE ${value} IS NOT NULL`,
      );
    }
  }
  const { rows } = await db.execute<{ k: string; n: number }>(
    sql`SELECT k, count(*)::int AS n FROM (${sql.join(parts, sql` UNION ALL `)}) AS v GROUP BY k`,
  );
  return new Map(rows.map((r) => [r.k, r.n]));
}
