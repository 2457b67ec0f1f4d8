import {
  ConfigError,
  assertNoSecretDefaults,
  secretSettingsOf,
  validateEnv,
} from '@weft/server-kit';
import { generateLocalKek } from '@weft/crypto';
import { BackupEnv, BootstrapEnv, KeysEnv, MigrateEnv } from './commands.config.js';
import { ControlPlaneEnv, compileControlPlaneConfig } from './control-plane.config.js';

const valid = {
  DATABASE_URL: 'postgres://weft:pw-for-test@127.0.0.1:5432/weft',
  NATS_URL: 'nats://127.0.0.1:4222',
  WEFT_KEK_FILE: '/run/secrets/weft-kek',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    compileControlPlaneConfig(validateEnv(ControlPlaneEnv, env));
  } catch (error) {
    if (ConfigError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('control plane configuration', () => {
  it('applies defaults to everything but the required settings', () => {
    const config = compileControlPlaneConfig(validateEnv(ControlPlaneEnv, valid));
    expect(config.http).toEqual({ port: 3000, host: '127.0.0.1' });
    expect(config.logLevel).toBe('info');
    expect(config.database).toEqual({ url: valid.DATABASE_URL, poolSize: 10 });
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(config.s3).toEqual({ region: 'us-east-1', bucket: 'weft', forcePathStyle: false });
    expect(config.startupTimeoutMs).toBe(15_000);
    expect(config.shutdownGraceMs).toBe(10_000);
    expect(config.keys).toEqual({
      kek: { provider: 'local', file: '/run/secrets/weft-kek', previousFiles: [] },
      cacheTtlMs: 300_000,
    });
    expect(config.backups).toEqual({ prefix: 'backups', intervalMs: 0, retentionDays: 30 });
    expect(config.reencryptBatchSize).toBe(500);
    expect(config.keyHousekeepingMs).toBe(15_000);
    expect(config.sessions).toEqual({
      allowLoopbackIssuers: false,
      idleTimeoutMs: 30 * 60_000,
      absoluteTimeoutMs: 12 * 3_600_000,
      secureCookies: true,
      trustedProxies: [],
      maxFailures: 10,
      lockMs: 15 * 60_000,
      signInsPerMinute: 30,
    });
  });

  it('names each missing required setting in one line', () => {
    const error = configError({});
    const { WEFT_KEK_FILE: _kek, ...withoutKek } = valid;
    expect(configError(withoutKek).message).toBe(
      'invalid configuration: set exactly one of WEFT_KEK_FILE and WEFT_KEK (the key-encryption key)',
    );
    expect(error.settings.sort()).toEqual(['DATABASE_URL', 'NATS_URL']);
    expect(error.message).toBe(
      'invalid configuration: DATABASE_URL is required; NATS_URL is required',
    );
    expect(error.message).not.toContain('\n');
  });

  it('rejects a malformed DATABASE_URL without echoing it', () => {
    const error = configError({ ...valid, DATABASE_URL: 'mysql://root:hunter2-secret@db/weft' });
    expect(error.settings).toEqual(['DATABASE_URL']);
    expect(error.message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('parses numbers and booleans and rejects bad ones by name', () => {
    expect(configError({ ...valid, CONTROL_PLANE_PORT: 'eighty' }).settings).toEqual([
      'CONTROL_PLANE_PORT',
    ]);
    expect(configError({ ...valid, CONTROL_PLANE_PORT: '70000' }).settings).toEqual([
      'CONTROL_PLANE_PORT',
    ]);
    expect(configError({ ...valid, S3_FORCE_PATH_STYLE: 'maybe' }).settings).toEqual([
      'S3_FORCE_PATH_STYLE',
    ]);
    expect(configError({ ...valid, LOG_LEVEL: 'chatty' }).message).toContain(
      'LOG_LEVEL must be one of',
    );
    const config = compileControlPlaneConfig(
      validateEnv(ControlPlaneEnv, {
        ...valid,
        CONTROL_PLANE_PORT: '8080',
        S3_FORCE_PATH_STYLE: 'true',
      }),
    );
    expect(config.http.port).toBe(8080);
    expect(config.s3.forcePathStyle).toBe(true);
  });

  it('accepts a NATS cluster as a comma-separated list', () => {
    const config = compileControlPlaneConfig(
      validateEnv(ControlPlaneEnv, { ...valid, NATS_URL: 'nats://a:4222, tls://b:4222' }),
    );
    expect(config.nats.servers).toEqual(['nats://a:4222', 'tls://b:4222']);
  });

  it('enforces cross-field rules for S3 and NATS credentials', () => {
    expect(configError({ ...valid, S3_ACCESS_KEY_ID: 'AKIA' }).settings).toEqual([
      'S3_SECRET_ACCESS_KEY',
    ]);
    expect(configError({ ...valid, S3_ENDPOINT: 'http://127.0.0.1:9000' }).message).toContain(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required when S3_ENDPOINT is set',
    );
    expect(configError({ ...valid, NATS_USER: 'control-plane' }).settings).toEqual([
      'NATS_PASSWORD',
    ]);
  });

  it('treats blank values as unset', () => {
    expect(configError({ ...valid, DATABASE_URL: '   ' }).settings).toEqual(['DATABASE_URL']);
  });

  it('declares every credential a secret, and no secret has a default', () => {
    expect(secretSettingsOf(ControlPlaneEnv).sort()).toEqual([
      'DATABASE_URL',
      'NATS_PASSWORD',
      'S3_SECRET_ACCESS_KEY',
      'WEFT_KEK',
    ]);
    expect(secretSettingsOf(KeysEnv).sort()).toEqual(['DATABASE_URL', 'WEFT_KEK']);
    expect(secretSettingsOf(BackupEnv).sort()).toEqual([
      'DATABASE_URL',
      'S3_SECRET_ACCESS_KEY',
      'WEFT_KEK',
      'WEFT_RESTORE_DATABASE_URL',
    ]);
    for (const schema of [ControlPlaneEnv, MigrateEnv, KeysEnv, BackupEnv, BootstrapEnv]) {
      expect(() => assertNoSecretDefaults(schema)).not.toThrow();
    }
    expect(secretSettingsOf(BootstrapEnv)).toContain('WEFT_BOOTSTRAP_ADMIN_PASSWORD');
  });

  describe('key-encryption key', () => {
    const { WEFT_KEK_FILE: _file, ...base } = valid;

    it('takes the KEK from a file or from a variable, never both', () => {
      const kek = generateLocalKek();
      expect(
        compileControlPlaneConfig(validateEnv(ControlPlaneEnv, { ...base, WEFT_KEK: kek })).keys,
      ).toEqual({ kek: { provider: 'local', value: kek, previousFiles: [] }, cacheTtlMs: 300_000 });
      const both = configError({ ...base, WEFT_KEK: kek, WEFT_KEK_FILE: '/k' });
      expect(both.settings).toEqual(['WEFT_KEK_FILE', 'WEFT_KEK']);
      expect(both.message).not.toContain(kek);
    });

    it('lists earlier KEK files for a KEK rotation', () => {
      const config = compileControlPlaneConfig(
        validateEnv(ControlPlaneEnv, {
          ...valid,
          WEFT_KEK_PREVIOUS_FILES: '/old/one, /old/two',
          WEFT_KEY_CACHE_TTL_SECONDS: '60',
        }),
      );
      expect(config.keys).toEqual({
        kek: {
          provider: 'local',
          file: valid.WEFT_KEK_FILE,
          previousFiles: ['/old/one', '/old/two'],
        },
        cacheTtlMs: 60_000,
      });
    });

    it('uses AWS KMS with a key id, and refuses local settings beside it', () => {
      const kms = { ...base, WEFT_KEK_PROVIDER: 'aws-kms' };
      expect(configError(kms).settings).toEqual(['WEFT_KMS_KEY_ID']);
      const config = compileControlPlaneConfig(
        validateEnv(ControlPlaneEnv, {
          ...kms,
          WEFT_KMS_KEY_ID: 'alias/weft',
          WEFT_KMS_REGION: 'eu-west-1',
          WEFT_KMS_PREVIOUS_KEY_IDS: 'alias/weft-2025',
        }),
      );
      expect(config.keys.kek).toEqual({
        provider: 'aws-kms',
        keyId: 'alias/weft',
        region: 'eu-west-1',
        previousKeyIds: ['alias/weft-2025'],
      });
      const mixed = configError({ ...kms, WEFT_KMS_KEY_ID: 'alias/weft', WEFT_KEK_FILE: '/k' });
      expect(mixed.message).toBe(
        'invalid configuration: WEFT_KEK_FILE does not apply when WEFT_KEK_PROVIDER is aws-kms',
      );
      expect(configError({ ...valid, WEFT_KMS_KEY_ID: 'alias/weft' }).settings).toEqual([
        'WEFT_KMS_KEY_ID',
      ]);
      expect(configError({ ...valid, WEFT_KEK_PROVIDER: 'vault' }).message).toContain(
        'WEFT_KEK_PROVIDER must be one of local, aws-kms',
      );
    });
  });

  it('keeps the activity log 31 days and its details 5, with partitions a week ahead', () => {
    expect(compileControlPlaneConfig(validateEnv(ControlPlaneEnv, valid)).activity).toEqual({
      retentionDays: 31,
      detailRetentionDays: 5,
      partitionsAhead: 7,
    });
    const config = compileControlPlaneConfig(
      validateEnv(ControlPlaneEnv, {
        ...valid,
        WEFT_ACTIVITY_RETENTION_DAYS: '90',
        WEFT_ACTIVITY_DETAIL_RETENTION_DAYS: '31',
        WEFT_ACTIVITY_PARTITIONS_AHEAD: '60',
      }),
    );
    expect(config.activity).toEqual({
      retentionDays: 90,
      detailRetentionDays: 31,
      partitionsAhead: 60,
    });
  });

  it.each([
    ['WEFT_ACTIVITY_RETENTION_DAYS', '0'],
    ['WEFT_ACTIVITY_RETENTION_DAYS', '401'],
    ['WEFT_ACTIVITY_DETAIL_RETENTION_DAYS', '32'],
    ['WEFT_ACTIVITY_DETAIL_RETENTION_DAYS', 'five'],
    ['WEFT_ACTIVITY_PARTITIONS_AHEAD', '0'],
    ['WEFT_ACTIVITY_PARTITIONS_AHEAD', '61'],
  ])('refuses %s=%s by name', (setting, value) => {
    expect(configError({ ...valid, [setting]: value }).settings).toEqual([setting]);
  });

  it('refuses details kept longer than the activity rows they belong to', () => {
    const error = configError({
      ...valid,
      WEFT_ACTIVITY_RETENTION_DAYS: '3',
      WEFT_ACTIVITY_DETAIL_RETENTION_DAYS: '5',
    });
    expect(error.settings).toEqual(['WEFT_ACTIVITY_DETAIL_RETENTION_DAYS']);
    expect(error.message).toBe(
      'invalid configuration: WEFT_ACTIVITY_DETAIL_RETENTION_DAYS must not exceed WEFT_ACTIVITY_RETENTION_DAYS',
    );
  });

  it('schedules backups only when an interval is set', () => {
    const config = compileControlPlaneConfig(
      validateEnv(ControlPlaneEnv, {
        ...valid,
        WEFT_BACKUP_INTERVAL_HOURS: '24',
        WEFT_BACKUP_RETENTION_DAYS: '7',
        WEFT_BACKUP_PREFIX: 'weft/backups/',
      }),
    );
    expect(config.backups).toEqual({
      prefix: 'weft/backups',
      intervalMs: 86_400_000,
      retentionDays: 7,
    });
    expect(configError({ ...valid, WEFT_BACKUP_PREFIX: '../x' }).settings).toEqual([
      'WEFT_BACKUP_PREFIX',
    ]);
  });
});
