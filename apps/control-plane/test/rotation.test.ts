import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import { createTestDatabase, runService, type ServiceExit, type TestDatabase } from '@weft/testing';
import { bootstrapFirstAdmin } from '../src/bootstrap/first-admin.js';
import { createDataSource } from '../src/database/data-source.js';
import { asOrgId, type OrgId } from '../src/database/tenant.js';
import { bindingFor, encryptedColumn } from '../src/keys/encrypted-columns.js';
import type { OrgKeys } from '../src/keys/org-keys.js';
import { SecretsVault } from '../src/vault/secrets-vault.js';
import { TEST_KEK, leakingLines, plaintextLeaks, plantedSecret, testOrgKeys } from './support.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECRETS = 10_000;
const VALUE = encryptedColumn('secrets', 'value_ciphertext');

interface JobState {
  status: string;
  total: number;
  processed: number;
  retired_versions: number[];
  lease_expired: boolean | null;
}

describe('data key rotation with a re-encryption job that is killed halfway', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let keys: OrgKeys;
  let orgId: OrgId;
  let envId: string;
  const values = new Map<string, string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    keys = testOrgKeys(dataSource);
    const result = await bootstrapFirstAdmin(dataSource, keys, {
      organizationName: 'Rotor',
      organizationSlug: 'rotor',
      adminEmail: 'admin@rotor.example',
      adminFirstName: 'Rosa',
      adminLastName: 'Admin',
    });
    orgId = asOrgId(result.organization.id);
    envId = result.environments[0]!.id;
    // 10,000 stored secrets under version 1, written in one transaction.
    await dataSource.transaction(async (tx) => {
      const rows = { id: [] as string[], name: [] as string[], ciphertext: [] as string[] };
      for (let i = 0; i < SECRETS; i += 1) {
        const id = randomUUID();
        const name = `SECRET_${i}`;
        const value = plantedSecret(`s${i}`);
        values.set(name, value);
        const sealed = await keys.encrypt(tx, bindingFor(VALUE, orgId, id), value);
        rows.id.push(id);
        rows.name.push(name);
        rows.ciphertext.push(sealed.ciphertext);
      }
      await tx.query(
        `INSERT INTO secrets (id, org_id, environment_id, name, kind, value_ciphertext, key_version)
         SELECT id, $4, $5, name, 'credential', ciphertext, 1
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS s(id, name, ciphertext)`,
        [rows.id, rows.name, rows.ciphertext, orgId, envId],
      );
    });
  }, 120_000);

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  async function job(): Promise<JobState> {
    const [row] = (await dataSource.query(
      `SELECT status, total, processed, retired_versions, lease_expires_at < now() AS lease_expired
       FROM key_rotation_jobs WHERE org_id = $1`,
      [orgId],
    )) as JobState[];
    return row!;
  }

  function reencrypt(onOutput?: (output: string, stop: (s?: NodeJS.Signals) => void) => void) {
    return runService({
      cwd: appDir,
      entry: 'src/main.ts',
      args: [
        'keys',
        'reencrypt',
        '--batch-size',
        '200',
        '--pause-ms',
        '10',
        '--lease-seconds',
        '2',
      ],
      env: { DATABASE_URL: database.url, WEFT_KEK: TEST_KEK },
      timeoutMs: 120_000,
      ...(onOutput ? { onOutput } : {}),
    });
  }

  it('moves every secret to the new version across a crash, then retires the old one', async () => {
    const rotated = await runService({
      cwd: appDir,
      entry: 'src/main.ts',
      args: ['keys', 'rotate', 'rotor'],
      env: { DATABASE_URL: database.url, WEFT_KEK: TEST_KEK },
    });
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('"msg":"data key rotated"');
    expect(rotated.stdout).toMatch(/now encrypts with version 2; job [0-9a-f-]{36}\n$/);
    expect(await job()).toMatchObject({ status: 'pending', processed: 0 });

    // New writes use version 2 at once, while the job has not even started.
    const vault = new SecretsVault(dataSource, keys);
    await vault.put(
      orgId,
      envId,
      'WRITTEN_AFTER_ROTATION',
      { kind: 'variable', description: '', value: 'v2' },
      {
        type: 'system',
        id: 'test',
      },
    );
    const [fresh] = (await dataSource.query(
      `SELECT key_version FROM secrets WHERE name = 'WRITTEN_AFTER_ROTATION'`,
    )) as Array<{ key_version: number }>;
    expect(fresh!.key_version).toBe(2);

    // First worker: killed (SIGKILL, no chance to clean up) once it reports 4,000 moved.
    const outputs: string[] = [];
    const killed: ServiceExit = await reencrypt((output, stop) => {
      const progress = [...output.matchAll(/"processed":(\d+)/g)].map((m) => Number(m[1]));
      if ((progress.at(-1) ?? 0) >= 4000) stop('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    outputs.push(killed.stdout, killed.stderr);
    const halfway = await job();
    expect(halfway.status).toBe('running');
    expect(halfway.total).toBe(SECRETS);
    expect(halfway.processed).toBeGreaterThanOrEqual(4000);
    expect(halfway.processed).toBeLessThan(SECRETS);
    // Progress is exactly what was committed: rows moved = rows counted.
    const [moved] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM secrets WHERE org_id = $1 AND key_version = 2 AND name <> 'WRITTEN_AFTER_ROTATION'`,
      [orgId],
    )) as Array<{ n: number }>;
    expect(moved!.n).toBe(halfway.processed);
    // Nothing is retired while version 1 still has ciphertexts.
    const [v1] = (await dataSource.query(
      `SELECT state FROM org_data_keys WHERE org_id = $1 AND version = 1`,
      [orgId],
    )) as Array<{ state: string }>;
    expect(v1!.state).toBe('active');

    // The dead worker's lease runs out; a new worker takes the job over and finishes it.
    for (let i = 0; i < 100 && !(await job()).lease_expired; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const resumed = await reencrypt();
    expect(resumed.code).toBe(0);
    outputs.push(resumed.stdout, resumed.stderr, rotated.stdout, rotated.stderr);
    expect(leakingLines(outputs.join('\n').split('\n'))).toEqual([]);
    expect(resumed.stdout).toMatch(/completed: 10000\/10000 moved, retired 1\n$/);
    expect(await job()).toMatchObject({
      status: 'completed',
      total: SECRETS,
      processed: SECRETS,
      retired_versions: [1],
    });

    // Version 1 is retired and its wrapped key erased; every secret is on version 2.
    const versions = (await dataSource.query(
      `SELECT version, state, wrapped_key IS NULL AS erased FROM org_data_keys WHERE org_id = $1 ORDER BY version`,
      [orgId],
    )) as Array<{ version: number; state: string; erased: boolean }>;
    expect(versions).toEqual([
      { version: 1, state: 'retired', erased: true },
      { version: 2, state: 'active', erased: false },
    ]);
    const byVersion = (await dataSource.query(
      `SELECT key_version, count(*)::int AS n FROM secrets WHERE org_id = $1 GROUP BY 1`,
      [orgId],
    )) as Array<{ key_version: number; n: number }>;
    expect(byVersion).toEqual([{ key_version: 2, n: SECRETS + 1 }]);

    // And every one decrypts to what was written (through a fresh key cache).
    const resolved = await new SecretsVault(dataSource, testOrgKeys(dataSource)).resolveForRun({
      orgId,
      environmentId: envId,
      runId: randomUUID(),
      actor: { type: 'system', id: 'test' },
    });
    expect(resolved).toHaveLength(SECRETS + 1);
    for (const secret of resolved) {
      if (secret.name === 'WRITTEN_AFTER_ROTATION') continue;
      expect('value' in secret && secret.value).toBe(values.get(secret.name));
    }
  }, 180_000);

  it('leaves no planted plaintext in any database column', async () => {
    expect(await plaintextLeaks(dataSource)).toEqual([]);
  });

  it('is idempotent: running again finds nothing to do and changes nothing', async () => {
    const before = (await dataSource.query(
      `SELECT id, value_ciphertext FROM secrets WHERE org_id = $1 ORDER BY id LIMIT 50`,
      [orgId],
    )) as unknown[];
    const again = await reencrypt();
    expect(again.stdout).toBe('keys: no re-encryption job to run\n');
    expect(
      await dataSource.query(
        `SELECT id, value_ciphertext FROM secrets WHERE org_id = $1 ORDER BY id LIMIT 50`,
        [orgId],
      ),
    ).toEqual(before);
  }, 60_000);
});
