// Encrypted backups on real PostgreSQL and a real S3-compatible server: the round trip, the
// confidentiality of the stored object, and every way a restore must refuse (leaving the
// target database exactly as empty as it was).
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LocalKeyProvider, createDecryptStream, generateLocalKek } from '@weft/crypto';
import { createTestDatabase, testPostgres, type TestDatabase } from '@weft/testing';
import pg from 'pg';
import {
  BackupError,
  createBackup,
  restoreBackup,
  type BackupErrorCode,
  type BackupSummary,
} from '../src/backup/index.js';
import { MIGRATIONS, createDataSource } from '../src/database/data-source.js';
import { KeyEncryptionKeys } from '../src/keys/key-providers.js';
import { capturingLogger, plantedSecret, testS3Client } from './support.js';

const BUCKET = 'weft';
const kek = LocalKeyProvider.fromBase64(generateLocalKek());
const secret = plantedSecret('backup');
const runPrefix = `backup-test-${randomBytes(4).toString('hex')}`;
let s3: S3Client;
let source: TestDatabase;
const createdDatabases: Array<() => Promise<void>> = [];

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new database with nothing in it (not a copy of the migrated template). */
async function emptyDatabase(): Promise<string> {
  const name = `weft_restore_${randomBytes(6).toString('hex')}`;
  const { adminUrl } = testPostgres();
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  createdDatabases.push(() =>
    withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function publicRelations(url: string): Promise<string[]> {
  return withClient(url, async (c) =>
    (
      await c.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' ORDER BY 1`,
      )
    ).rows.map((r) => r.name),
  );
}

/** Every table of the public schema as JSON rows in a total order, and every sequence. */
async function snapshot(url: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    const result: Record<string, string[]> = {};
    const tables = await c.query<{ name: string; columns: number }>(
      `SELECT c.relname AS name,
              (SELECT count(*)::int FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY 1`,
    );
    for (const { name, columns } of tables.rows) {
      const order = Array.from({ length: columns }, (_, i) => i + 1).join(', ');
      const rows = await c.query<{ r: string }>(
        `SELECT row_to_json(x)::text AS r FROM (SELECT * FROM public."${name}" ORDER BY ${order}) x`,
      );
      result[name] = rows.rows.map((r) => r.r);
    }
    const sequences = await c.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY 1`,
    );
    for (const { name } of sequences.rows) {
      const row = await c.query<{ v: string }>(
        `SELECT last_value::text || '/' || is_called::text AS v FROM public."${name}"`,
      );
      result[`sequence ${name}`] = row.rows.map((r) => r.v);
    }
    return result;
  });
}

/** Rows in every current table, with the awkward kinds of value: unicode, NULLs, jsonb, arrays, inet. */
async function fill(url: string): Promise<void> {
  await withClient(url, async (c) => {
    const org = randomUUID();
    const other = randomUUID();
    await c.query(
      `INSERT INTO organizations (id, name, slug) VALUES ($1, $2, 'acme'), ($3, $4, 'globex')`,
      [org, 'Acmé Ünïcødé 🚀 株式会社', other, 'Globex "quoted" \\ back\\slash'],
    );
    const dev = randomUUID();
    await c.query(
      `INSERT INTO environments (id, org_id, name, kind) VALUES
         ($1, $2, 'development', 'development'), (gen_random_uuid(), $2, 'production', 'production'),
         (gen_random_uuid(), $3, 'test', 'test')`,
      [dev, org, other],
    );
    const ada = randomUUID();
    const bob = randomUUID();
    await c.query(
      `INSERT INTO users (id, email, first_name, last_name, phone, password_hash, email_verified_at)
       VALUES ($1, 'ada@acme.example', 'Ada', 'Løvelace\ttab\nnewline', NULL, NULL, NULL),
              ($2, 'bob@acme.example', 'Bob', 'Ünïcødé 👩‍💻', '+1 555 0100', 'pbkdf2-sha256$600000$x$y', now())`,
      [ada, bob],
    );
    const admin = randomUUID();
    const viewer = randomUUID();
    await c.query(
      `INSERT INTO roles (id, org_id, name, built_in, admin, default_levels, environment_levels) VALUES
         ($1, $3, 'Administrator', true, true, '["design","deploy"]', '{"dev": {"level": "full", "n": 1.5}}'),
         ($2, $3, 'Viewer', false, false, '[]', '{}')`,
      [admin, viewer, org],
    );
    await c.query(
      `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, $3), ($1, $4, '{}')`,
      [org, ada, [admin, viewer], bob],
    );
    await c.query(
      `INSERT INTO org_data_keys (org_id, version, state, provider, kek_id, wrapped_key, encryptions, retired_at)
       VALUES ($1, 1, 'retired', NULL, NULL, NULL, 9007199254740993, now()),
              ($1, 2, 'active', 'local', 'abcdef0123456789', 'v1.bm90LWEta2V5', 42, NULL)`,
      [org],
    );
    await c.query(
      `INSERT INTO key_rotation_jobs (org_id, target_version, status, retired_versions, last_error)
       VALUES ($1, 2, 'completed', '{1}', NULL)`,
      [org],
    );
    await c.query(
      `INSERT INTO secrets (org_id, environment_id, name, kind, value_ciphertext, key_version, reference, created_by)
       VALUES ($1, $2, 'db.password', 'credential', 'wft1.2.bm9uY2U.Y2lwaGVy', 2, NULL, $3),
              ($1, $2, 'API_HOST', 'variable', NULL, NULL, 'env:API_HOST', NULL)`,
      [org, dev, ada],
    );
    // Enough audit rows (about 400 KB) that the encrypted stream spans several chunks.
    await c.query(
      `INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id,
                                 outcome, environment_id, ip, details)
       SELECT $1, 'user', $2, 'secret.read', 'secret', 'db.password', 'allowed',
              CASE WHEN i % 2 = 0 THEN $3::uuid END,
              CASE WHEN i % 3 = 0 THEN '2001:db8::1'::inet ELSE '192.0.2.7'::inet END,
              jsonb_build_object('i', i, 'note', md5(i::text) || repeat(md5((i * 7)::text), 12))
         FROM generate_series(1, 1000) AS i`,
      [org, ada, dev],
    );
    // A sequence position the migrations alone would not reproduce.
    await c.query(
      `INSERT INTO api_keys (org_id, name, prefix, secret_hash, role_ids, created_by, expires_at,
                             last_used_ip)
       VALUES ($1, 'ci — déploiement', 'abcdef012345', sha256('s'), ARRAY[$2::uuid], $3,
               now() + interval '30 days', '192.0.2.4')`,
      [org, admin, ada],
    );
    await c.query(
      `INSERT INTO sessions (token_hash, csrf_hash, user_id, active_org_id, idle_timeout_seconds,
                             absolute_expires_at, revoked_at, revoked_reason, ip, user_agent)
       VALUES (sha256('a'), sha256('b'), $1, $2, 1800, now() + interval '12 hours', NULL, NULL,
               '2001:db8::7', 'Mozilla/5.0 (X11) — ünïcødé'),
              (sha256('c'), sha256('d'), $3, NULL, 60, now(), now(), 'sign-out', NULL, NULL)`,
      [ada, org, bob],
    );
    await c.query(
      `INSERT INTO user_totp (user_id, provider, kek_id, wrapped_secret, confirmed_at, last_used_step)
       VALUES ($1, 'local', 'abcdef0123456789', 'v1.d3JhcHBlZA', now(), 58000000)`,
      [ada],
    );
    await c.query(
      `INSERT INTO user_recovery_codes (user_id, code_hash, used_at)
       VALUES ($1, sha256('r1'), NULL), ($1, sha256('r2'), now())`,
      [ada],
    );
    await c.query(
      `INSERT INTO sign_in_challenges (token_hash, user_id, org_id, attempts, expires_at)
       VALUES (sha256('ch'), $1, $2, 3, now() + interval '5 minutes')`,
      [ada, org],
    );
    await c.query(
      `INSERT INTO org_identity_providers (org_id, issuer, client_id, client_secret_ciphertext,
                                          key_version, jit_role_id, enforced)
       VALUES ($1, 'https://login.example/realms/acmé', 'weft-client', 'wft1.2.bm9uY2U.c2Vj', 2, $2, true)`,
      [org, viewer],
    );
    await c.query(
      `INSERT INTO user_identities (user_id, issuer, subject, last_login_at)
       VALUES ($1, 'https://login.example/realms/acmé', 'sub|ünï 42', now())`,
      [bob],
    );
    await c.query(
      `INSERT INTO oidc_login_states (handle_hash, org_id, state, expires_at)
       VALUES (sha256('h'), $1, '{"nonce": "n", "returnTo": "/"}', now() + interval '10 minutes')`,
      [org],
    );
    await c.query(
      `INSERT INTO cli_logins (handle_hash, org_id, port, state, code_challenge, user_id, code_hash,
                               used_at, expires_at)
       VALUES (sha256('cl1'), $1, 49152, 'c3RhdGUtc3RhdGUtc3RhdGU', repeat('C', 43), NULL, NULL, NULL,
               now() + interval '10 minutes'),
              (sha256('cl2'), $1, 65535, 'b3RoZXItc3RhdGUtc3RhdGU', repeat('d', 43), $2, sha256('code'),
               now(), now() + interval '2 minutes')`,
      [org, bob],
    );
    await c.query(
      `INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at, used_at)
       VALUES (sha256('t1'), 'verify_email', $1, now() + interval '1 day', NULL),
              (sha256('t2'), 'reset_password', $1, now(), now())`,
      [ada],
    );
    await c.query(
      `INSERT INTO invitations (org_id, email, role_ids, token_hash, invited_by, expires_at, accepted_at, accepted_by)
       VALUES ($1, 'zoë@acme.example', ARRAY[$2::uuid], sha256('i'), $3, now() + interval '7 days', now(), $4)`,
      [org, viewer, ada, bob],
    );
    await c.query(
      `INSERT INTO mail_outbox (id, recipient, template, provider, kek_id, wrapped_key, params_sealed, attempts, last_error)
       VALUES (gen_random_uuid(), 'zoë@acme.example', 'invitation', 'local', 'abcdef0123456789', 'v1.a2V5', 'wft1.1.bm9uY2U.cGFyYW1z', 2, 'Error'),
              (gen_random_uuid(), 'ada@acme.example', 'verify-email', NULL, NULL, NULL, NULL, 1, NULL)`,
    );
    await c.query(
      `INSERT INTO password_history (user_id, password_hash) VALUES ($1, 'pbkdf2-sha256$600000$old$hash')`,
      [bob],
    );
    const group = randomUUID();
    await c.query(`INSERT INTO agent_groups (id, org_id, name) VALUES ($1, $2, 'on-prem — ünï')`, [
      group,
      org,
    ]);
    await c.query(
      `INSERT INTO agent_group_environments (org_id, group_id, environment_id) VALUES ($1, $2, $3)`,
      [org, group, dev],
    );
    await c.query(
      `INSERT INTO agent_enrolment_tokens (token_hash, org_id, group_id, created_by, expires_at)
       VALUES (sha256('e'), $1, $2, $3, now() + interval '15 minutes')`,
      [org, group, ada],
    );
    await c.query(
      `INSERT INTO agents (org_id, group_id, name, public_key, fingerprint, version, host, last_heartbeat_at)
       VALUES ($1, $2, 'agent-1', 'MCowBQYDK2VwAyEAplaceholderplaceholderplaceholder00000=', repeat('f', 43), '0.1.0', 'host', now())`,
      [org, group],
    );
    const run = randomUUID();
    await c.query(
      `INSERT INTO runs (id, org_id, environment_id, group_id, operation_id, operation, max_attempts, status, attempts, records_read)
       VALUES ($1, $2, $3, $4, 'csv-to-db — ü', '{"version":1}', 3, 'running', 2, 42)`,
      [run, org, dev, group],
    );
    await c.query(
      `INSERT INTO run_events (org_id, run_id, kind, attempt, detail) VALUES ($1, $2, 'handed_over', 2, 'to agent x')`,
      [org, run],
    );
    await c.query(
      `INSERT INTO run_outbox (org_id, run_id, subject, message) VALUES ($1, $2, 'weft.a.b.c.run', '\\x00ff')`,
      [org, run],
    );
    // The activity log (partitioned by day): one row three days old goes through the DEFAULT
    // partition on restore.
    await c.query(
      `INSERT INTO activity_log (org_id, run_id, environment_id, group_id, operation_id, status,
                                 submitted_at, submitted_by_kind, message_ciphertext, key_version)
       VALUES ($1, $2, $3, $4, 'csv-to-db — ü', 'failed', now() - interval '3 days', 'user', 'wft1.1.AAAA.BBBB', 1),
              ($1, gen_random_uuid(), $3, $4, 'csv-to-db', 'succeeded', now(), 'schedule', NULL, NULL)`,
      [org, run, dev, group],
    );
    await c.query(
      `INSERT INTO activity_details (org_id, run_id, seq, at, level, step, id, text_ciphertext, key_version)
       VALUES ($1, $2, 1, now(), 'info', 'source', gen_random_uuid(), 'wft1.1.AAAA.BBBB', 1)`,
      [org, run],
    );
    const project = randomUUID();
    await c.query(
      `INSERT INTO projects (id, org_id, environment_id, name, description, latest_revision, deployed_revision)
       VALUES ($1, $2, $3, 'orders-sync', 'Bestellungen — ünï', 1, 1)`,
      [project, org, dev],
    );
    await c.query(
      `INSERT INTO project_revisions (org_id, project_id, revision, document, digest, source, promoted_from, created_by_kind, created_by)
       VALUES ($1, $2, 1, '{"version":1,"name":"orders-sync","variables":{"A":{"kind":"variable"}}}', repeat('a', 64), 'promotion', $3, 'user', $4)`,
      [org, project, JSON.stringify({ environmentId: dev, projectId: project, revision: 1 }), ada],
    );
    await c.query(
      `INSERT INTO deployments (org_id, environment_id, project_id, revision, deployed_by_kind, deployed_by)
       VALUES ($1, $2, $3, 1, 'api_key', 'k-1')`,
      [org, dev, project],
    );
    await c.query(
      `INSERT INTO project_signing_keys (org_id, public_key, private_key_ciphertext, key_version, retired_at)
       VALUES ($1, 'MCowBQYDK2VwAyEA', 'wft1.2.bm9uY2U.a2V5', 2, NULL), ($1, 'MCowBQYDK2VwAyEB', 'wft1.1.bm9uY2U.b2xk', 1, now())`,
      [org],
    );
    // The file service: a row per environment and content; the bytes are S3 objects.
    await c.query(
      `INSERT INTO project_files (org_id, environment_id, sha256, kind, name, media_type, size,
                                  data_key_ciphertext, key_version, created_by_kind, created_by)
       VALUES ($1, $2, repeat('b', 64), 'schema', 'Rechnung — ünï.xsd', 'application/xml', 1234,
               'wft1.1.bm9uY2U.a2V5', 1, 'user', $3),
              ($1, $2, repeat('c', 64), 'customization', 'connector (v2).tgz', 'application/gzip',
               52428800, 'wft1.2.bm9uY2U.a2V5', 2, 'api_key', 'k-1')`,
      [org, dev, ada],
    );
    await c.query(`UPDATE environments SET run_group_id = $1 WHERE id = $2`, [group, dev]);
    await c.query(`SELECT setval('public.schema_migrations_id_seq', 77)`);
    await c.query(
      `INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id, outcome, details)
       VALUES ($1, 'system', 'weft', 'secret.create', 'secret', 'planted', 'succeeded', $2)`,
      [org, JSON.stringify({ note: secret })],
    );
  });
}

async function objectBytes(key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** Stores `bytes` as backup `backupId` under a fresh prefix; returns the prefix. */
async function storeAs(backupId: string, bytes: Buffer): Promise<string> {
  const prefix = `${runPrefix}/tampered-${randomBytes(4).toString('hex')}`;
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${backupId}.wbak`, Body: bytes }),
  );
  return prefix;
}

/** Where this file's backups go, under the file's KEK. */
function backupStorage() {
  return { s3, bucket: BUCKET, prefix: runPrefix, keyProvider: kek };
}

/** Starts restoring `backupId` into a new empty database. */
async function restoreIntoEmpty(backupId: string) {
  const target = await emptyDatabase();
  return {
    target,
    restoring: restoreBackup({ ...backupStorage(), backupId, targetDatabaseUrl: target }),
  };
}

async function refusal(
  work: Promise<unknown>,
): Promise<{ code: BackupErrorCode; message: string }> {
  try {
    await work;
  } catch (error) {
    if (BackupError.is(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the restore to be refused');
}

beforeAll(async () => {
  s3 = testS3Client();
  source = await createTestDatabase();
  await fill(source.url);
});

afterAll(async () => {
  for (const drop of createdDatabases) await drop();
  await source?.drop();
  s3?.destroy();
});

describe('backup and restore', () => {
  let compressed: BackupSummary;
  let uncompressed: BackupSummary;
  const log = capturingLogger();

  beforeAll(async () => {
    const storage = { s3, bucket: BUCKET, prefix: runPrefix, keyProvider: kek, logger: log.logger };
    compressed = await createBackup({ ...storage, databaseUrl: source.url });
    uncompressed = await createBackup({ ...storage, databaseUrl: source.url, compression: 'none' });
  });

  it('restores every table and sequence identically into an empty database', async () => {
    const before = await snapshot(source.url);
    // Every table has rows, so the comparison means something for each (a new table needs rows in fill()).
    const emptyTables = Object.entries(before)
      .filter(([, rows]) => rows.length === 0)
      .map(([t]) => t);
    expect(emptyTables).toEqual([]);
    expect(compressed.tables).toBe(
      Object.keys(before).filter((t) => !t.startsWith('sequence ') && t !== 'schema_migrations')
        .length,
    );
    expect(compressed.size).toBeLessThan(uncompressed.size);

    const target = await emptyDatabase();
    const summary = await restoreBackup({
      ...backupStorage(),
      backupId: compressed.backupId,
      targetDatabaseUrl: target,
      keyProvider: kek,
    });
    expect(summary).toMatchObject({
      tables: compressed.tables,
      rows: compressed.rows,
      migrationsFromBackup: MIGRATIONS.map((m) => m.name),
      migrationsAppliedAfter: [],
    });
    expect(await snapshot(target)).toEqual(before);
  });

  it('restores the uncompressed form identically too', async () => {
    const target = await emptyDatabase();
    await restoreBackup({
      ...backupStorage(),
      backupId: uncompressed.backupId,
      targetDatabaseUrl: target,
      keyProvider: kek,
    });
    expect(await snapshot(target)).toEqual(await snapshot(source.url));
  });

  it('never stores plaintext: the object lacks a planted secret that its decrypted stream holds', async () => {
    const bytes = await objectBytes(uncompressed.key);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    expect(bytes.includes(Buffer.from('Løvelace'))).toBe(false);

    // Decrypt independently, following the documented layout, to show the secret really was in it.
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('WEFTBAK1');
    const headerLength = bytes.readUInt32BE(8);
    const headerBytes = bytes.subarray(0, 12 + headerLength);
    const header = JSON.parse(headerBytes.subarray(12).toString('utf8')) as {
      backupId: string;
      compression: string;
      dataKey: { provider: string; kekId: string; blob: string };
    };
    expect(header).toMatchObject({ backupId: uncompressed.backupId, compression: 'none' });
    const dataKey = await kek.unwrapDataKey(header.dataKey, {
      orgId: `weft-backup/${header.backupId}`,
      keyVersion: 1,
    });
    const plaintext: Buffer[] = [];
    for await (const chunk of Readable.from([bytes.subarray(headerBytes.length)]).pipe(
      createDecryptStream(() => dataKey, { associatedData: headerBytes }),
    )) {
      plaintext.push(chunk as Buffer);
    }
    expect(Buffer.concat(plaintext).includes(Buffer.from(secret))).toBe(true);
    // Nor does anything about the run reach the log.
    expect(log.lines.some((l) => l.includes('backup completed'))).toBe(true);
    expect(log.lines.filter((l) => l.includes(secret) || l.includes(header.dataKey.blob))).toEqual(
      [],
    );
  });

  describe('refuses, leaving the target empty', () => {
    async function restoreTampered(bytes: Buffer, keyProvider = kek) {
      const prefix = await storeAs(uncompressed.backupId, bytes);
      const target = await emptyDatabase();
      const outcome = await refusal(
        restoreBackup({
          s3,
          bucket: BUCKET,
          prefix,
          backupId: uncompressed.backupId,
          targetDatabaseUrl: target,
          keyProvider,
        }),
      );
      return { ...outcome, relations: await publicRelations(target) };
    }

    it('a flipped byte in the header', async () => {
      const original = await objectBytes(uncompressed.key);
      // A digit of createdAt, then a character of the wrapped data key: the JSON still parses,
      // only authentication can notice.
      for (const field of ['"createdAt":"', '"blob":"v1.']) {
        const bytes = Buffer.from(original);
        const at = bytes.indexOf(Buffer.from(field)) + field.length + 3;
        bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
        expect(await restoreTampered(bytes)).toMatchObject({
          code: 'BACKUP_CORRUPT',
          relations: [],
        });
      }
    });

    it('a flipped byte early in the body and in its last chunk (after rows were loaded)', async () => {
      const original = await objectBytes(uncompressed.key);
      // Several 64 KiB chunks, so the last one fails after earlier tables went into the target.
      expect(original.length).toBeGreaterThan(4 * 65_536);
      for (const offset of [original.readUInt32BE(8) + 200, original.length - 1]) {
        const bytes = Buffer.from(original);
        bytes[offset] = (bytes[offset] as number) ^ 0x01;
        expect(await restoreTampered(bytes)).toMatchObject({
          code: 'BACKUP_CORRUPT',
          relations: [],
        });
      }
    });

    it('a truncated object', async () => {
      const original = await objectBytes(uncompressed.key);
      for (const length of [original.length - 100, original.length - 70_000, 20]) {
        expect(await restoreTampered(original.subarray(0, length))).toMatchObject({
          code: 'BACKUP_CORRUPT',
          relations: [],
        });
      }
    });

    it('another KEK, unless it is among the previous KEKs of a rotation', async () => {
      const other = LocalKeyProvider.fromBase64(generateLocalKek());
      const outcome = await restoreTampered(await objectBytes(uncompressed.key), other);
      expect(outcome).toMatchObject({ code: 'BACKUP_KEY_MISMATCH', relations: [] });
      expect(outcome.message).toContain(kek.kekId);

      // After a KEK rotation the control plane's keys still unwrap with the previous KEK.
      const rotated = new KeyEncryptionKeys(other, [kek]);
      const target = await emptyDatabase();
      const summary = await restoreBackup({
        ...backupStorage(),
        backupId: compressed.backupId,
        targetDatabaseUrl: target,
        keyProvider: rotated,
      });
      expect(summary.rows).toBe(compressed.rows);
    });

    it('a target database that is not empty, without touching it', async () => {
      const occupied = await createTestDatabase();
      try {
        const before = await snapshot(occupied.url);
        const outcome = await refusal(
          restoreBackup({
            ...backupStorage(),
            backupId: compressed.backupId,
            targetDatabaseUrl: occupied.url,
            keyProvider: kek,
          }),
        );
        expect(outcome.code).toBe('RESTORE_TARGET_NOT_EMPTY');
        expect(await snapshot(occupied.url)).toEqual(before);
      } finally {
        await occupied.drop();
      }
    });

    it('a backup that does not exist, or an id that is not one', async () => {
      const target = await emptyDatabase();
      const restore = (backupId: string) =>
        refusal(
          restoreBackup({
            ...backupStorage(),
            backupId,
            targetDatabaseUrl: target,
            keyProvider: kek,
          }),
        );
      expect((await restore('20200101T000000Z-00000000')).code).toBe('BACKUP_NOT_FOUND');
      expect((await restore('../../etc/passwd')).code).toBe('INVALID_ARGUMENT');
    });
  });

  it('streams a backup larger than one multipart part, and restores it', async () => {
    const large = await createTestDatabase();
    try {
      await fill(large.url);
      await withClient(large.url, (c) =>
        c.query(
          `INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id, outcome, details)
           SELECT (SELECT id FROM organizations LIMIT 1), 'system', 'weft', 'secret.read', 'secret', 'x',
                  'allowed', jsonb_build_object('note', string_agg(md5((i * 1000 + j)::text), ''))
             FROM generate_series(1, 900) AS i, generate_series(1, 320) AS j GROUP BY i`,
        ),
      );
      const backup = await createBackup({
        ...backupStorage(),
        databaseUrl: large.url,
        keyProvider: kek,
        compression: 'none',
      });
      // More than one 8 MiB part: the object went through a multipart upload.
      expect(backup.size).toBeGreaterThan(9 * 1024 * 1024);
      const target = await emptyDatabase();
      await restoreBackup({
        ...backupStorage(),
        backupId: backup.backupId,
        targetDatabaseUrl: target,
        keyProvider: kek,
      });
      const digest = (url: string) =>
        withClient(
          url,
          async (c) =>
            (
              await c.query<{ d: string }>(
                `SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) AS d FROM audit_events x`,
              )
            ).rows[0]?.d,
        );
      expect(await digest(target)).toBe(await digest(large.url));
    } finally {
      await large.drop();
    }
  });

  it('reports an object store failure as STORAGE_FAILED', async () => {
    const outcome = await refusal(
      createBackup({
        s3,
        bucket: 'weft-no-such-bucket',
        databaseUrl: source.url,
        keyProvider: kek,
      }),
    );
    expect(outcome.code).toBe('STORAGE_FAILED');
  });

  it('restores a backup from an older version: its migrations, the rows, then the newer migrations', async () => {
    const older = await createTestDatabase();
    try {
      const dataSource = createDataSource({ url: older.url, poolSize: 1 });
      await dataSource.initialize();
      await dataSource.undoLastMigration();
      await dataSource.destroy();
      await withClient(older.url, (c) =>
        c.query(`INSERT INTO organizations (name, slug) VALUES ('Old Co', 'old-co')`),
      );
      const backup = await createBackup({ ...backupStorage(), databaseUrl: older.url });
      const target = await emptyDatabase();
      const summary = await restoreBackup({
        ...backupStorage(),
        backupId: backup.backupId,
        targetDatabaseUrl: target,
        keyProvider: kek,
      });
      const names = MIGRATIONS.map((m) => m.name);
      expect(summary.migrationsFromBackup).toEqual(names.slice(0, -1));
      expect(summary.migrationsAppliedAfter).toEqual(names.slice(-1));
      const restored = await snapshot(target);
      expect(restored.organizations?.map((r) => JSON.parse(r).slug)).toEqual(['old-co']);
      expect(restored.schema_migrations?.map((r) => JSON.parse(r).name)).toEqual(names);
      // The newer migration's tables exist (and are empty).
      expect(restored.org_data_keys).toEqual([]);
    } finally {
      await older.drop();
    }
  });

  it('refuses a backup from a newer version (a migration this build does not have)', async () => {
    const newer = await createTestDatabase();
    try {
      await withClient(newer.url, (c) =>
        c.query(
          `INSERT INTO schema_migrations (timestamp, name) VALUES (1799999999999, 'Future1799999999999')`,
        ),
      );
      const backup = await createBackup({ ...backupStorage(), databaseUrl: newer.url });
      const { target, restoring } = await restoreIntoEmpty(backup.backupId);
      const outcome = await refusal(restoring);
      expect(outcome.code).toBe('BACKUP_INCOMPATIBLE');
      expect(outcome.message).toContain('newer version');
      expect(await publicRelations(target)).toEqual([]);
    } finally {
      await newer.drop();
    }
  });

  it('copies tables with database-specific types as text, and refuses tables its migrations do not create', async () => {
    const extra = await createTestDatabase();
    try {
      await withClient(extra.url, async (c) => {
        await c.query(`CREATE TYPE mood AS ENUM ('calm', 'stormy')`);
        await c.query(
          `CREATE TABLE probe (id int PRIMARY KEY, data bytea, mood mood, moods mood[])`,
        );
        await c.query(
          `INSERT INTO probe VALUES (1, '\\x00ff10'::bytea, 'calm', '{calm,stormy}'), (2, NULL, NULL, NULL)`,
        );
      });
      const backup = await createBackup({ ...backupStorage(), databaseUrl: extra.url });
      const header = JSON.parse(
        (await objectBytes(backup.key))
          .subarray(12, 12 + (await objectBytes(backup.key)).readUInt32BE(8))
          .toString(),
      ) as { tables: Array<{ name: string; copyFormat: string }> };
      expect(header.tables.find((t) => t.name === 'probe')?.copyFormat).toBe('text');
      expect(header.tables.find((t) => t.name === 'users')?.copyFormat).toBe('binary');
      const { target, restoring } = await restoreIntoEmpty(backup.backupId);
      const outcome = await refusal(restoring);
      expect(outcome.code).toBe('BACKUP_INCOMPATIBLE');
      expect(outcome.message).toContain('probe');
      expect(await publicRelations(target)).toEqual([]);
    } finally {
      await extra.drop();
    }
  });
});
