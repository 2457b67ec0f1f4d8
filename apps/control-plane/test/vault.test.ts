import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { generateLocalKek, type KeyContext, type WrappedDataKey } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { bootstrapFirstAdmin } from '../src/bootstrap/first-admin.js';
import { createDataSource } from '../src/database/data-source.js';
import { asOrgId, type OrgId } from '../src/database/tenant.js';
import { KeyEncryptionKeys } from '../src/keys/key-providers.js';
import type { OrgKeys } from '../src/keys/org-keys.js';
import { VaultError } from '../src/vault/secret-input.js';
import { SecretsVault } from '../src/vault/secrets-vault.js';
import {
  TEST_KEK,
  capturingLogger,
  leakingLines,
  plaintextLeaks,
  plantedSecret,
  testKeyEncryptionKeys,
  testOrgKeys,
} from './support.js';

const agent = { type: 'agent' as const, id: randomUUID() };

async function vaultError(work: Promise<unknown>): Promise<VaultError> {
  try {
    await work;
  } catch (error) {
    if (VaultError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a VaultError');
}

/** Counts KEK unwraps: the cache must keep them to one per key version, not one per secret. */
function countingKek(kek: KeyEncryptionKeys): { kek: KeyEncryptionKeys; unwraps: () => number } {
  let unwraps = 0;
  const counting = new KeyEncryptionKeys(kek.current, kek.previous);
  const unwrap = counting.unwrapDataKey.bind(counting);
  counting.unwrapDataKey = (wrapped: WrappedDataKey, context: KeyContext) => {
    unwraps += 1;
    return unwrap(wrapped, context);
  };
  return { kek: counting, unwraps: () => unwraps };
}

describe('secrets vault over real PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let keys: OrgKeys;
  let vault: SecretsVault;
  let orgId: OrgId;
  let envId: string;
  let prodId: string;
  let otherOrgId: OrgId;
  let otherEnvId: string;
  let user: { type: 'user'; id: string };
  const log = capturingLogger();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    keys = testOrgKeys(dataSource, { logger: log.logger });
    vault = new SecretsVault(dataSource, keys);
    const acme = await bootstrapFirstAdmin(dataSource, keys, {
      organizationName: 'Acme',
      organizationSlug: 'acme',
      adminEmail: 'admin@acme.example',
      adminFirstName: 'Ada',
      adminLastName: 'Admin',
    });
    orgId = asOrgId(acme.organization.id);
    user = { type: 'user', id: acme.admin.id };
    envId = acme.environments.find((e) => e.name === 'development')!.id;
    prodId = acme.environments.find((e) => e.name === 'production')!.id;
    const globex = await bootstrapFirstAdmin(dataSource, keys, {
      organizationName: 'Globex',
      organizationSlug: 'globex',
      adminEmail: 'admin@globex.example',
      adminFirstName: 'Gus',
      adminLastName: 'Admin',
    });
    otherOrgId = asOrgId(globex.organization.id);
    otherEnvId = globex.environments[0]!.id;
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('stores a value encrypted and shows only metadata and a fixed mask', async () => {
    const value = plantedSecret('api-key');
    const metadata = await vault.put(
      orgId,
      envId,
      'CRM_API_KEY',
      { kind: 'credential', description: 'CRM', value },
      user,
    );
    expect(metadata).toMatchObject({
      name: 'CRM_API_KEY',
      kind: 'credential',
      source: 'stored',
      display: '********',
      revision: 1,
    });
    expect(JSON.stringify(metadata)).not.toContain(value);
    const [row] = (await dataSource.query(
      `SELECT value_ciphertext, key_version FROM secrets WHERE id = $1`,
      [metadata.id],
    )) as Array<{ value_ciphertext: string; key_version: number }>;
    expect(row!.value_ciphertext).toMatch(/^wft1\.1\./);
    expect(row!.value_ciphertext).not.toContain(value);
    expect(row!.key_version).toBe(1);
    expect(await vault.list(orgId, envId)).toEqual([metadata]);
    expect(await vault.describe(orgId, envId, 'CRM_API_KEY')).toEqual(metadata);
  });

  it('replaces a value as a new revision with a new ciphertext, audited as secret.write', async () => {
    const [before] = (await dataSource.query(
      `SELECT value_ciphertext FROM secrets WHERE name = 'CRM_API_KEY'`,
    )) as Array<{ value_ciphertext: string }>;
    const updated = await vault.put(
      orgId,
      envId,
      'CRM_API_KEY',
      { kind: 'credential', description: 'CRM', value: plantedSecret('api-key-2') },
      user,
    );
    expect(updated.revision).toBe(2);
    const [after] = (await dataSource.query(
      `SELECT value_ciphertext FROM secrets WHERE name = 'CRM_API_KEY'`,
    )) as Array<{ value_ciphertext: string }>;
    expect(after!.value_ciphertext).not.toBe(before!.value_ciphertext);
    const audit = (await dataSource.query(
      `SELECT actor_type, actor_id, action, target_id, outcome, environment_id, details
       FROM audit_events WHERE org_id = $1 AND action = 'secret.write' ORDER BY occurred_at`,
      [orgId],
    )) as Array<Record<string, unknown>>;
    expect(audit).toEqual([
      expect.objectContaining({
        actor_type: 'user',
        actor_id: user.id,
        target_id: updated.id,
        outcome: 'succeeded',
        environment_id: envId,
        details: { name: 'CRM_API_KEY', change: 'created', source: 'stored', revision: 1 },
      }),
      expect.objectContaining({
        details: { name: 'CRM_API_KEY', change: 'updated', source: 'stored', revision: 2 },
      }),
    ]);
  });

  it('hands values to a run and records every decryption in the audit trail first', async () => {
    const password = plantedSecret('db-password');
    await vault.put(
      orgId,
      prodId,
      'DB_PASSWORD',
      { kind: 'credential', description: '', value: password },
      user,
    );
    await vault.put(
      orgId,
      prodId,
      'SFTP_KEY',
      {
        kind: 'credential',
        description: 'kept on the private agent',
        reference: 'file:/etc/weft/sftp.key',
      },
      user,
    );
    await vault.put(
      orgId,
      prodId,
      'REGION',
      { kind: 'variable', description: '', value: 'eu-west-1' },
      user,
    );
    const runId = randomUUID();
    const resolved = await vault.resolveForRun({
      orgId,
      environmentId: prodId,
      runId,
      actor: agent,
      names: ['DB_PASSWORD', 'SFTP_KEY'],
    });
    expect(resolved).toEqual([
      { name: 'DB_PASSWORD', kind: 'credential', value: password },
      { name: 'SFTP_KEY', kind: 'credential', reference: 'file:/etc/weft/sftp.key' },
    ]);
    const audit = (await dataSource.query(
      `SELECT actor_type, actor_id, outcome, details FROM audit_events
       WHERE org_id = $1 AND action = 'secret.resolve' ORDER BY details->>'name'`,
      [orgId],
    )) as Array<{
      actor_type: string;
      actor_id: string;
      outcome: string;
      details: Record<string, unknown>;
    }>;
    expect(audit).toEqual([
      {
        actor_type: 'agent',
        actor_id: agent.id,
        outcome: 'succeeded',
        details: { name: 'DB_PASSWORD', runId, source: 'stored', keyVersion: 1 },
      },
      {
        actor_type: 'agent',
        actor_id: agent.id,
        outcome: 'succeeded',
        details: { name: 'SFTP_KEY', runId, source: 'file', keyVersion: null },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('refuses unknown names, and environments of another organization, as not found', async () => {
    const missing = await vaultError(
      vault.resolveForRun({
        orgId,
        environmentId: prodId,
        runId: randomUUID(),
        actor: agent,
        names: ['NOPE'],
      }),
    );
    expect(missing.code).toBe('SECRET_NOT_FOUND');
    expect(missing.message).toBe('no secret named "NOPE" in this environment');
    // Globex's environment id, asked for in Acme's name: indistinguishable from a missing one.
    const attempts = [
      () => vault.list(orgId, otherEnvId),
      () =>
        vault.put(orgId, otherEnvId, 'X', { kind: 'variable', description: '', value: 'v' }, user),
      () =>
        vault.resolveForRun({
          orgId,
          environmentId: otherEnvId,
          runId: randomUUID(),
          actor: agent,
        }),
      () => vault.list(otherOrgId, envId),
      () => vault.list(orgId, 'not-a-uuid'),
    ];
    for (const attempt of attempts) {
      expect((await vaultError(attempt())).code).toBe('ENVIRONMENT_NOT_FOUND');
    }
    expect(await vault.list(otherOrgId, otherEnvId)).toEqual([]);
  });

  it('fails, audited, when a ciphertext is copied onto another secret (bound to its row)', async () => {
    await vault.put(
      orgId,
      envId,
      'COPY_TARGET',
      { kind: 'credential', description: '', value: 'target' },
      user,
    );
    await dataSource.query(
      `UPDATE secrets SET value_ciphertext = (SELECT value_ciphertext FROM secrets WHERE name = 'CRM_API_KEY')
       WHERE name = 'COPY_TARGET'`,
    );
    const error = await vaultError(
      vault.resolveForRun({
        orgId,
        environmentId: envId,
        runId: randomUUID(),
        actor: agent,
        names: ['COPY_TARGET'],
      }),
    );
    expect(error.code).toBe('SECRET_UNREADABLE');
    expect(error.message).toBe('secret "COPY_TARGET" could not be decrypted');
    const [failed] = (await dataSource.query(
      `SELECT outcome FROM audit_events WHERE action = 'secret.resolve' AND details->>'name' = 'COPY_TARGET'`,
    )) as Array<{ outcome: string }>;
    expect(failed!.outcome).toBe('failed');
    await vault.remove(orgId, envId, 'COPY_TARGET', user);
  });

  it('deletes a secret (audited) and reports a second delete as not found', async () => {
    await vault.put(orgId, envId, 'TEMP', { kind: 'variable', description: '', value: 'x' }, user);
    await vault.remove(orgId, envId, 'TEMP', user);
    expect((await vaultError(vault.describe(orgId, envId, 'TEMP'))).code).toBe('SECRET_NOT_FOUND');
    expect((await vaultError(vault.remove(orgId, envId, 'TEMP', user))).code).toBe(
      'SECRET_NOT_FOUND',
    );
    const [deleted] = (await dataSource.query(
      `SELECT details FROM audit_events WHERE details->>'name' = 'TEMP' AND details->>'change' = 'deleted'`,
    )) as Array<{ details: Record<string, unknown> }>;
    expect(deleted).toBeDefined();
  });

  it('unwraps a data key once for many reads, not once per secret', async () => {
    const { kek, unwraps } = countingKek(testKeyEncryptionKeys());
    const cold = new SecretsVault(dataSource, testOrgKeys(dataSource, { kek }));
    for (let i = 0; i < 20; i += 1) {
      await cold.put(
        orgId,
        envId,
        `BULK_${i}`,
        { kind: 'variable', description: '', value: `v${i}` },
        user,
      );
    }
    const resolved = await Promise.all(
      Array.from({ length: 5 }, () =>
        cold.resolveForRun({ orgId, environmentId: envId, runId: randomUUID(), actor: agent }),
      ),
    );
    expect(resolved.every((r) => r.length >= 20)).toBe(true);
    expect(unwraps()).toBe(1);
  });

  it('stores encryption counts so the GCM invocation limit holds across restarts', async () => {
    await keys.flushEncryptionCounts();
    const [row] = (await dataSource.query(
      `SELECT encryptions FROM org_data_keys WHERE org_id = $1 AND version = 1`,
      [orgId],
    )) as Array<{ encryptions: string }>;
    // One per stored value written through `keys` above: CRM_API_KEY twice, DB_PASSWORD, REGION,
    // COPY_TARGET, TEMP (a reference encrypts nothing; the counting vault has keys of its own).
    expect(Number(row!.encryptions)).toBe(6);
  });

  it('rotates on its own when a key reaches its watermark, before the hard limit', async () => {
    const observer = testOrgKeys(dataSource, { maxEncryptionsPerKey: 1_000_000 });
    const limited = new SecretsVault(
      dataSource,
      testOrgKeys(dataSource, { maxEncryptionsPerKey: 4, logger: log.logger }),
    );
    for (let i = 0; i < 3; i += 1) {
      await limited.put(
        otherOrgId,
        otherEnvId,
        `W${i}`,
        { kind: 'variable', description: '', value: 'w' },
        user,
      );
    }
    // Watermark is half the limit: the second encryption triggered a rotation in the background.
    for (let i = 0; i < 50; i += 1) {
      const status = await observer.status(otherOrgId);
      if (status.length > 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const status = await observer.status(otherOrgId);
    expect(status.map((s) => [s.version, s.state, s.current])).toEqual([
      [2, 'active', true],
      [1, 'active', false],
    ]);
    const [job] = (await dataSource.query(
      `SELECT status, target_version FROM key_rotation_jobs WHERE org_id = $1`,
      [otherOrgId],
    )) as Array<{ status: string; target_version: number }>;
    expect(job).toEqual({ status: 'pending', target_version: 2 });
  });

  it('keeps writing while other replicas rotate: every write lands on an active version', async () => {
    const replicas = [0, 1, 2].map(() => new SecretsVault(dataSource, testOrgKeys(dataSource)));
    const rotators = [0, 1, 2].map(() => testOrgKeys(dataSource));
    const values = Array.from({ length: 60 }, (_, i) => plantedSecret(`race-${i}`));
    await Promise.all([
      ...values.map((value, i) =>
        replicas[i % 3]!.put(
          orgId,
          envId,
          `RACE_${i}`,
          { kind: 'credential', description: '', value },
          user,
        ),
      ),
      ...rotators.map((rotator) => rotator.rotate(orgId)),
    ]);
    const rows = (await dataSource.query(
      `SELECT s.key_version, k.state FROM secrets s
       JOIN org_data_keys k ON k.org_id = s.org_id AND k.version = s.key_version
       WHERE s.name LIKE 'RACE_%'`,
    )) as Array<{ key_version: number; state: string }>;
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.state === 'active')).toBe(true);
    const resolved = await replicas[0]!.resolveForRun({
      orgId,
      environmentId: envId,
      runId: randomUUID(),
      actor: agent,
      names: values.map((_, i) => `RACE_${i}`),
    });
    expect(resolved.map((r) => ('value' in r ? r.value : undefined)).sort()).toEqual(
      [...values].sort(),
    );
  });

  it('re-wraps every data key under a new KEK; the old KEK is then not needed', async () => {
    const oldKek = testKeyEncryptionKeys();
    const newKekText = generateLocalKek();
    const rotating = testOrgKeys(dataSource, {
      kek: testKeyEncryptionKeys(newKekText, [TEST_KEK]),
    });
    const { rewrapped } = await rotating.rewrapAll();
    expect(rewrapped).toBeGreaterThanOrEqual(3);
    expect((await rotating.rewrapAll()).rewrapped).toBe(0);
    const kekIds = (await dataSource.query(
      `SELECT DISTINCT kek_id FROM org_data_keys WHERE state = 'active'`,
    )) as Array<{ kek_id: string }>;
    expect(kekIds).toEqual([{ kek_id: rotating.kek.kekId }]);

    const onlyNew = new SecretsVault(
      dataSource,
      testOrgKeys(dataSource, { kek: testKeyEncryptionKeys(newKekText) }),
    );
    const [secret] = await onlyNew.resolveForRun({
      orgId,
      environmentId: prodId,
      runId: randomUUID(),
      actor: agent,
      names: ['REGION'],
    });
    expect(secret).toEqual({ name: 'REGION', kind: 'variable', value: 'eu-west-1' });
    // And the old KEK alone no longer opens anything.
    const onlyOld = new SecretsVault(dataSource, testOrgKeys(dataSource, { kek: oldKek }));
    expect(
      (
        await vaultError(
          onlyOld.resolveForRun({
            orgId,
            environmentId: prodId,
            runId: randomUUID(),
            actor: agent,
            names: ['REGION'],
          }),
        )
      ).code,
    ).toBe('SECRET_UNREADABLE');
  });

  // Last, over everything the tests above stored, rotated, re-wrapped and logged.
  it('leaves no planted plaintext in any database column or log line', async () => {
    expect(log.lines.length).toBeGreaterThan(0);
    expect(leakingLines(log.lines)).toEqual([]);
    expect(await plaintextLeaks(dataSource)).toEqual([]);
    // The sweep can fail: a plaintext written into an ordinary column is found.
    await dataSource.query(`UPDATE secrets SET description = $1 WHERE name = 'REGION'`, [
      plantedSecret('leak'),
    ]);
    expect(await plaintextLeaks(dataSource)).toEqual(['secrets: 1 rows']);
  });
});
