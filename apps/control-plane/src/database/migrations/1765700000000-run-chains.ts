import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chained runs (a project's on-success / on-failure operations) are found from their parent:
 * how many a chain has started is counted at every link, so it must be an index lookup.
 */
export class RunChains1765700000000 implements MigrationInterface {
  name = 'RunChains1765700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX runs_parent_idx ON runs (org_id, parent_run_id) WHERE parent_run_id IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX runs_parent_idx`);
  }
}
