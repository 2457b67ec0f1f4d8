import type { EntityManager } from 'typeorm';

/** Anything that runs SQL: the DataSource, or a transaction's EntityManager. */
export type Queryable = Pick<EntityManager, 'query'>;

/** Rows of a SELECT, or of an INSERT … RETURNING. */
export async function selectRows<T>(db: Queryable, text: string, params: unknown[] = []) {
  return (await db.query(text, params)) as T[];
}

/**
 * Rows and count of an UPDATE or DELETE (TypeORM returns `[rows, rowCount]` for those, unlike
 * for SELECT and INSERT).
 */
export async function changeRows<T>(
  db: Queryable,
  text: string,
  params: unknown[] = [],
): Promise<{ rows: T[]; count: number }> {
  const [rows, count] = (await db.query(text, params)) as [T[], number];
  return { rows, count };
}
