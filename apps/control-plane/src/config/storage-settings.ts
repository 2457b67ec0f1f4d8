import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigError, IsUrlWithProtocol, Secret, ToBool, ToInt } from '@weft/server-kit';

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface BackupSettings {
  /** Key prefix of backup objects in the bucket. */
  prefix: string;
  /** How often the control plane takes a backup; 0 turns scheduled backups off. */
  intervalMs: number;
  /** Backups older than this are pruned after each scheduled backup (the newest is always kept). */
  retentionDays: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern needs any[]
type Constructor<T = object> = new (...args: any[]) => T;

/** The object store settings (files, customizations, backups). */
export function WithS3Settings<TBase extends Constructor>(Base: TBase) {
  class S3SettingsEnv extends Base {
    /** Leave unset to use AWS S3 itself (regional endpoint, credentials from the default chain). */
    @IsOptional()
    @IsUrlWithProtocol(['http:', 'https:'])
    S3_ENDPOINT?: string;

    @IsString()
    S3_REGION: string = 'us-east-1';

    @IsString()
    @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      message: 'S3_BUCKET must be a valid bucket name',
    })
    S3_BUCKET: string = 'weft';

    @IsOptional()
    @IsString()
    S3_ACCESS_KEY_ID?: string;

    @Secret()
    @IsOptional()
    @IsString()
    S3_SECRET_ACCESS_KEY?: string;

    @ToBool()
    @IsBoolean({ message: 'S3_FORCE_PATH_STYLE must be true or false' })
    S3_FORCE_PATH_STYLE: boolean = false;
  }
  return S3SettingsEnv;
}

export type S3SettingsEnv = InstanceType<ReturnType<typeof WithS3Settings<Constructor>>>;

/** Cross-field rules of the S3 settings; throws ConfigError naming the settings. */
export function compileS3Settings(env: S3SettingsEnv): S3Settings {
  const accessKeyId = env.S3_ACCESS_KEY_ID;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const [missing, given] =
      accessKeyId === undefined
        ? ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']
        : ['S3_SECRET_ACCESS_KEY', 'S3_ACCESS_KEY_ID'];
    throw new ConfigError(
      [missing],
      `invalid configuration: ${missing} is required when ${given} is set`,
    );
  }
  if (env.S3_ENDPOINT !== undefined && accessKeyId === undefined) {
    throw new ConfigError(
      ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'],
      'invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required when S3_ENDPOINT is set',
    );
  }
  return {
    ...(env.S3_ENDPOINT !== undefined ? { endpoint: env.S3_ENDPOINT } : {}),
    region: env.S3_REGION,
    bucket: env.S3_BUCKET,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey } }
      : {}),
  };
}

/** Where backups go and how often the control plane takes them. */
export function WithBackupSettings<TBase extends Constructor>(Base: TBase) {
  class BackupSettingsEnv extends Base {
    @Matches(/^[a-z0-9][a-z0-9/_-]{0,200}$/, {
      message: 'WEFT_BACKUP_PREFIX must be lower-case letters, digits, "-", "_" and "/"',
    })
    WEFT_BACKUP_PREFIX: string = 'backups';

    @ToInt()
    @IsInt()
    @Min(0)
    @Max(24 * 31)
    WEFT_BACKUP_INTERVAL_HOURS: number = 0;

    @ToInt()
    @IsInt()
    @Min(1)
    @Max(3650)
    WEFT_BACKUP_RETENTION_DAYS: number = 30;
  }
  return BackupSettingsEnv;
}

export type BackupSettingsEnv = InstanceType<ReturnType<typeof WithBackupSettings<Constructor>>>;

export function compileBackupSettings(env: BackupSettingsEnv): BackupSettings {
  return {
    prefix: env.WEFT_BACKUP_PREFIX.replace(/\/+$/, ''),
    intervalMs: env.WEFT_BACKUP_INTERVAL_HOURS * 3_600_000,
    retentionDays: env.WEFT_BACKUP_RETENTION_DAYS,
  };
}
