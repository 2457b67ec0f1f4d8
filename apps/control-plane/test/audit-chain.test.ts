import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { recordAudit, verifyAuditChain, type AuditRecord } from '../src/audit/audit-trail.js';
import { bootstrapFirstAdmin } from '../src/bootstrap/first-admin.js';
import { createDataSource } from '../src/database/data-source.js';
import { asOrgId, inTenant, type OrgId } from '../src/database/tenant.js';
import { testOrgKeys } from './support.js';

async function refusal(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await work;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('the audit trail: a hash chain per organization, append-only', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let orgId: OrgId;
  const event = (i: number): AuditRecord => ({
    orgId,
    actor: { type: 'system', id: 'test' },
    action: 'secret.write',
    target: { type: 'secret', id: `s${i}` },
    outcome: 'succeeded',
    details: { name: `S${i}` },
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ url: database.url, poolSize: 8 });
    await dataSource.initialize();
    const result = await bootstrapFirstAdmin(dataSource, testOrgKeys(dataSource), {
      organizationName: 'Chain',
      organizationSlug: 'chain',
      adminEmail: 'admin@chain.example',
      adminFirstName: 'C',
      adminLastName: 'D',
    });
    orgId = asOrgId(result.organization.id);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('links concurrent writers into one gapless chain that verifies', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        inTenant(dataSource, orgId, (tx) => recordAudit(tx, [event(i), event(100 + i)])),
      ),
    );
    const seqs = (await dataSource.query(
      `SELECT seq::int AS seq FROM audit_events WHERE org_id = $1 ORDER BY seq`,
      [orgId],
    )) as Array<{ seq: number }>;
    expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(await verifyAuditChain(dataSource, orgId)).toEqual({ checked: 80, intact: true });
  });

  it('refuses UPDATE, DELETE and TRUNCATE even to the schema owner', async () => {
    for (const statement of [
      `UPDATE audit_events SET outcome = 'failed'`,
      `DELETE FROM audit_events`,
      `TRUNCATE audit_events`,
    ]) {
      const error = await refusal(dataSource.query(statement));
      expect(error.code).toBe('42501');
      expect(error.message).toMatch(/^the audit trail is append-only/);
    }
  });

  it('finds an edited event, and a removed one', async () => {
    // Tampering needs the trigger off: what an attacker with the owner's rights could do.
    await dataSource.transaction(async (tx) => {
      await tx.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await tx.query(`UPDATE audit_events SET outcome = 'failed' WHERE org_id = $1 AND seq = 17`, [
        orgId,
      ]);
      await tx.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    expect(await verifyAuditChain(dataSource, orgId)).toMatchObject({
      intact: false,
      firstBroken: { seq: 17, reason: 'content' },
    });
    await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('weft.audit_purge', 'on', true)`);
      await tx.query(`DELETE FROM audit_events WHERE org_id = $1 AND seq IN (5, 17)`, [orgId]);
    });
    expect(await verifyAuditChain(dataSource, orgId)).toMatchObject({
      intact: false,
      firstBroken: { seq: 6, reason: 'link' },
    });
  });

  it('verifies again after a retention purge of the oldest events', async () => {
    await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('weft.audit_purge', 'on', true)`);
      await tx.query(`DELETE FROM audit_events WHERE org_id = $1 AND seq <= 20`, [orgId]);
    });
    expect(await verifyAuditChain(dataSource, orgId)).toEqual({ checked: 60, intact: true });
  });
});
