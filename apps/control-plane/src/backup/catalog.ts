// What a backup contains, read from pg_catalog: the public schema's tables in foreign-key
// order, their columns, and its sequences. Used at backup time (inside the snapshot) and at
// restore time (to check the target's schema matches the backup's before loading rows).
import type pg from 'pg';
import { BackupError } from './errors.js';
import type { BackupColumn, BackupTable, CopyFormat } from './format.js';

/** Bookkeeping tables the migrations recreate themselves: never backed up as data. */
export const EXCLUDED_TABLES: ReadonlySet<string> = new Set([
  'schema_migrations',
  'typeorm_metadata',
]);

/** Objects with OIDs at or above this were created after initdb (user types, extensions). */
const FIRST_NORMAL_OBJECT_ID = 16384;

type Queryable = Pick<pg.ClientBase, 'query'>;

export interface CatalogTable extends BackupTable {
  /** Partitioned tables are copied through a query (`COPY (SELECT …)`), not by name. */
  readonly partitioned: boolean;
}

export interface SequencePosition {
  readonly name: string;
  /** bigint as decimal text. */
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/** Tables of the `public` schema in restore order (excluding bookkeeping and partitions). */
export async function readTables(client: Queryable): Promise<CatalogTable[]> {
  const tables = (
    await client.query<{ oid: number; name: string; kind: string }>(
      `SELECT c.oid::int AS oid, c.relname AS name, c.relkind AS kind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    )
  ).rows.filter((t) => !EXCLUDED_TABLES.has(t.name));
  const oids = tables.map((t) => t.oid);
  const columns = (
    await client.query<{
      table: number;
      name: string;
      type: string;
      typeOid: number;
      typeKind: string;
    }>(
      // Generated columns are computed again on insert; COPY FROM cannot write them.
      `SELECT a.attrelid::int AS "table", a.attname AS name,
              format_type(a.atttypid, a.atttypmod) AS type,
              a.atttypid::int AS "typeOid", t.typtype AS "typeKind"
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attgenerated = ''
        ORDER BY a.attrelid, a.attnum`,
      [oids],
    )
  ).rows;
  const references = (
    await client.query<{ child: number; parent: number }>(
      `SELECT DISTINCT conrelid::int AS child, confrelid::int AS parent
         FROM pg_constraint
        WHERE contype = 'f' AND conrelid = ANY($1::oid[]) AND confrelid = ANY($1::oid[])`,
      [oids],
    )
  ).rows;

  const byOid = new Map(tables.map((t) => [t.oid, t.name]));
  const order = restoreOrder(
    tables.map((t) => t.name),
    references.map((r) => ({ child: byOid.get(r.child) ?? '', parent: byOid.get(r.parent) ?? '' })),
  );
  const byName = new Map(tables.map((t) => [t.name, t]));
  return order.map((name) => {
    const table = byName.get(name) as (typeof tables)[number];
    const own = columns.filter((c) => c.table === table.oid);
    return {
      name,
      partitioned: table.kind === 'p',
      copyFormat: copyFormatFor(own),
      columns: own.map((c): BackupColumn => ({ name: c.name, type: c.type })),
    };
  });
}

/**
 * Binary COPY writes the type OID inside array and composite values, and OIDs of types created
 * by migrations differ between databases: such a table is copied as text instead. Enums are
 * sent as their label, so they stay binary.
 */
function copyFormatFor(columns: ReadonlyArray<{ typeOid: number; typeKind: string }>): CopyFormat {
  return columns.some((c) => c.typeOid >= FIRST_NORMAL_OBJECT_ID && c.typeKind !== 'e')
    ? 'text'
    : 'binary';
}

/**
 * Kahn's algorithm: every table after the tables it references, ties broken by name so the
 * order is stable. Self-references are fine (COPY checks them at the end of the statement);
 * a cycle between tables is refused, since loading it would need deferred constraints.
 */
export function restoreOrder(
  tables: readonly string[],
  references: ReadonlyArray<{ child: string; parent: string }>,
): string[] {
  const pending = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of references) {
    if (child !== parent && pending.has(child) && pending.has(parent))
      pending.get(child)?.add(parent);
  }
  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, parents]) => parents.size === 0).map(([t]) => t);
    if (ready.length === 0) {
      throw new BackupError(
        'SCHEMA_UNSUPPORTED',
        `foreign keys form a cycle between tables ${[...pending.keys()].sort().join(', ')}; ` +
          'a backup cannot order them',
      );
    }
    ready.sort();
    for (const table of ready) {
      order.push(table);
      pending.delete(table);
      for (const parents of pending.values()) parents.delete(table);
    }
  }
  return order;
}

/** Sequences of the public schema with their positions (read without a snapshot: never behind). */
export async function readSequences(client: Queryable): Promise<SequencePosition[]> {
  const names = (
    await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname`,
    )
  ).rows.map((r) => r.name);
  const positions: SequencePosition[] = [];
  for (const name of names) {
    const { rows } = await client.query<{ lastValue: string; isCalled: boolean }>(
      `SELECT last_value::text AS "lastValue", is_called AS "isCalled" FROM ${qualified(name)}`,
    );
    const row = rows[0];
    if (row) positions.push({ name, lastValue: row.lastValue, isCalled: row.isCalled });
  }
  return positions;
}

/** Names of relations of any kind in the `public` schema (for the empty-target check). */
export async function publicRelations(client: Queryable): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `public."name"`: every statement names the schema, whatever the search_path says. */
export function qualified(name: string): string {
  return `public.${quoteIdentifier(name)}`;
}

function columnList(table: BackupTable): string {
  return table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
}

function formatOption(table: BackupTable): string {
  return table.copyFormat === 'binary' ? ' (FORMAT binary)' : '';
}

export function copyOutStatement(table: CatalogTable): string {
  const columns = columnList(table);
  if (table.partitioned || columns === '') {
    // COPY cannot read a partitioned table by name; a query reads all its partitions.
    const select = columns === '' ? '*' : columns;
    return `COPY (SELECT ${select} FROM ${qualified(table.name)}) TO STDOUT${formatOption(table)}`;
  }
  return `COPY ${qualified(table.name)} (${columns}) TO STDOUT${formatOption(table)}`;
}

export function copyInStatement(table: BackupTable): string {
  const columns = columnList(table);
  const list = columns === '' ? '' : ` (${columns})`;
  return `COPY ${qualified(table.name)}${list} FROM STDIN${formatOption(table)}`;
}
