import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cloud agent groups: groups the installation runs for every organization. Such a group
 * belongs to the organization that operates the installation (its row is invisible to other
 * tenants under row-level security) and is bound to no environment: any organization's run may
 * name it. A run therefore references its group by id alone, not by (group, organization).
 */
export class CloudAgentGroups1765200000000 implements MigrationInterface {
  name = 'CloudAgentGroups1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE agent_groups ADD COLUMN shared boolean NOT NULL DEFAULT false`);
    await db.query(`ALTER TABLE runs DROP CONSTRAINT runs_group_id_org_id_fkey`);
    await db.query(
      `ALTER TABLE runs ADD CONSTRAINT runs_group_id_fkey FOREIGN KEY (group_id) REFERENCES agent_groups(id) ON DELETE CASCADE`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE runs DROP CONSTRAINT runs_group_id_fkey`);
    await db.query(
      `ALTER TABLE runs ADD CONSTRAINT runs_group_id_org_id_fkey FOREIGN KEY (group_id, org_id) REFERENCES agent_groups (id, org_id) ON DELETE CASCADE`,
    );
    await db.query(`ALTER TABLE agent_groups DROP COLUMN shared`);
  }
}
