import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  ConfigError,
  IsListenAddress,
  IsUrlWithProtocol,
  Secret,
  ServiceEnv,
  ToBool,
  ToInt,
  compileNatsSettings,
  type NatsSettings,
} from '@weft/server-kit';
import type { LogLevel } from '@weft/log-schema';

/**
 * The control plane's settings, one property per environment variable (LOG_LEVEL, NATS_* and
 * STARTUP_TIMEOUT_SECONDS come from ServiceEnv). Validated once at boot; secrets have no
 * defaults. docs/configuration.md describes each one.
 */
export class ControlPlaneEnv extends ServiceEnv {
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(65535)
  CONTROL_PLANE_PORT: number = 3000;

  @IsListenAddress()
  CONTROL_PLANE_HOST: string = '127.0.0.1';

  /** Carries the database password, hence a secret: it has no default. */
  @Secret()
  @IsUrlWithProtocol(['postgres:', 'postgresql:'])
  DATABASE_URL!: string;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;

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

/** Compiled settings: validated, cross-checked and grouped, passed inward. */
export interface ControlPlaneConfig {
  http: { port: number; host: string };
  logLevel: LogLevel;
  database: { url: string; poolSize: number };
  nats: NatsSettings;
  s3: S3Settings;
  startupTimeoutMs: number;
  shutdownGraceMs: number;
}

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Cross-field rules and grouping. Throws ConfigError with a one-line message naming the setting. */
export function compileControlPlaneConfig(env: ControlPlaneEnv): ControlPlaneConfig {
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
    http: { port: env.CONTROL_PLANE_PORT, host: env.CONTROL_PLANE_HOST },
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    nats: compileNatsSettings(env),
    s3: {
      ...(env.S3_ENDPOINT !== undefined ? { endpoint: env.S3_ENDPOINT } : {}),
      region: env.S3_REGION,
      bucket: env.S3_BUCKET,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      ...(accessKeyId !== undefined && secretAccessKey !== undefined
        ? { credentials: { accessKeyId, secretAccessKey } }
        : {}),
    },
    startupTimeoutMs: env.STARTUP_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}
