import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which agent a used enrolment token enrolled: an agent whose enrolment answer was lost may
 * present the same token with the same public key again (until the token expires) and gets
 * the same identity — nobody else can, since only that agent holds the private key.
 */
export class EnrolmentRetry1765100000000 implements MigrationInterface {
  name = 'EnrolmentRetry1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE agent_enrolment_tokens ADD COLUMN agent_id uuid REFERENCES agents(id) ON DELETE CASCADE`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE agent_enrolment_tokens DROP COLUMN agent_id`);
  }
}
