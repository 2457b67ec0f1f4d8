import { IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
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
import { WithKeySettings, compileKeySettings, type KeySettings } from './key-settings.js';
import {
  WithActivitySettings,
  compileActivitySettings,
  type ActivitySettings,
} from './activity-settings.js';
import {
  WithBackupSettings,
  WithS3Settings,
  compileBackupSettings,
  compileS3Settings,
  type BackupSettings,
  type S3Settings,
} from './storage-settings.js';

export type { BackupSettings, S3Settings } from './storage-settings.js';
export type { ActivitySettings } from './activity-settings.js';

/**
 * The control plane's settings, one property per environment variable (LOG_LEVEL, NATS_* and
 * STARTUP_TIMEOUT_SECONDS come from ServiceEnv). Validated once at boot; secrets have no
 * defaults. docs/configuration.md describes each one.
 */
export class ControlPlaneEnv extends WithActivitySettings(
  WithBackupSettings(WithS3Settings(WithKeySettings(ServiceEnv))),
) {
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

  /** Ciphertexts moved per transaction by the re-encryption job after a key rotation. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  WEFT_REENCRYPT_BATCH_SIZE: number = 500;

  /** How often the control plane looks for re-encryption jobs (and stores encryption counts). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  WEFT_KEY_HOUSEKEEPING_SECONDS: number = 15;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  WEFT_SESSION_IDLE_MINUTES: number = 30;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  WEFT_SESSION_ABSOLUTE_HOURS: number = 12;

  /** `Secure` session cookies. Turn off only for plain-HTTP development on loopback. */
  @ToBool()
  @IsBoolean({ message: 'WEFT_COOKIE_SECURE must be true or false' })
  WEFT_COOKIE_SECURE: boolean = true;

  @ToInt()
  @IsInt()
  @Min(3)
  @Max(100)
  WEFT_LOGIN_MAX_FAILURES: number = 10;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  WEFT_LOGIN_LOCK_MINUTES: number = 15;

  /**
   * Reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For is
   * believed. Unset: the client address is the socket's — behind a proxy, set this, or every
   * client looks like the proxy (to the sign-in throttle and the audit trail).
   */
  @IsOptional()
  @Matches(/^[0-9a-fA-F:./]+(\s*,\s*[0-9a-fA-F:./]+)*$/, {
    message: 'WEFT_TRUSTED_PROXIES must be a comma-separated list of addresses or CIDR ranges',
  })
  WEFT_TRUSTED_PROXIES?: string;

  /**
   * Allows an organization's identity provider on this host over plain http (development and
   * tests only): otherwise administrators could make the control plane probe loopback services.
   */
  @ToBool()
  @IsBoolean({ message: 'WEFT_SSO_ALLOW_LOOPBACK_ISSUERS must be true or false' })
  WEFT_SSO_ALLOW_LOOPBACK_ISSUERS: boolean = false;

  /**
   * Where people open Weft in a browser (no trailing slash): links in mail point here. Defaults
   * to this control plane on localhost, which only suits development.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/, {
    message: 'WEFT_PUBLIC_URL must be an http(s) URL without a trailing slash, query or fragment',
  })
  WEFT_PUBLIC_URL?: string;

  /** Outgoing mail server, e.g. smtps://user:password@mail.example.com:465 (a secret: use a file or secret store). */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'WEFT_SMTP_URL must be an smtp:// or smtps:// URL' })
  WEFT_SMTP_URL?: string;

  /** Development: write outgoing mail as .eml files here instead of sending it. */
  @IsOptional()
  @IsString()
  WEFT_MAIL_DIRECTORY?: string;

  @IsOptional()
  @Length(3, 320)
  WEFT_MAIL_FROM: string = 'Weft <no-reply@localhost>';

  /** Sign-in attempts per client address per minute, per replica. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  WEFT_LOGIN_RATE_PER_MINUTE: number = 30;

  /**
   * How long a run handed to an agent may go without word from it (progress, completion) before
   * another agent of the group gets it. Agents report at least every third of this.
   */
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(3600)
  WEFT_RUN_ACK_WAIT_SECONDS: number = 30;
}

/** Compiled settings: validated, cross-checked and grouped, passed inward. */
export interface ControlPlaneConfig {
  http: { port: number; host: string };
  logLevel: LogLevel;
  database: { url: string; poolSize: number };
  nats: NatsSettings;
  s3: S3Settings;
  keys: KeySettings;
  backups: BackupSettings;
  reencryptBatchSize: number;
  keyHousekeepingMs: number;
  sessions: {
    idleTimeoutMs: number;
    absoluteTimeoutMs: number;
    secureCookies: boolean;
    trustedProxies: string[];
    maxFailures: number;
    lockMs: number;
    signInsPerMinute: number;
    allowLoopbackIssuers: boolean;
  };
  mail: {
    publicUrl: string;
    smtpUrl?: string;
    directory?: string;
    from: string;
  };
  runs: { ackWaitMs: number };
  activity: ActivitySettings;
  startupTimeoutMs: number;
  shutdownGraceMs: number;
}

/** Cross-field rules and grouping. Throws ConfigError with a one-line message naming the setting. */
export function compileControlPlaneConfig(env: ControlPlaneEnv): ControlPlaneConfig {
  return {
    http: { port: env.CONTROL_PLANE_PORT, host: env.CONTROL_PLANE_HOST },
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    nats: compileNatsSettings(env),
    s3: compileS3Settings(env),
    keys: compileKeySettings(env),
    backups: compileBackupSettings(env),
    reencryptBatchSize: env.WEFT_REENCRYPT_BATCH_SIZE,
    runs: { ackWaitMs: env.WEFT_RUN_ACK_WAIT_SECONDS * 1000 },
    activity: compileActivitySettings(env),
    keyHousekeepingMs: env.WEFT_KEY_HOUSEKEEPING_SECONDS * 1000,
    sessions: {
      idleTimeoutMs: env.WEFT_SESSION_IDLE_MINUTES * 60_000,
      absoluteTimeoutMs: env.WEFT_SESSION_ABSOLUTE_HOURS * 3_600_000,
      secureCookies: env.WEFT_COOKIE_SECURE,
      trustedProxies: (env.WEFT_TRUSTED_PROXIES ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
      maxFailures: env.WEFT_LOGIN_MAX_FAILURES,
      lockMs: env.WEFT_LOGIN_LOCK_MINUTES * 60_000,
      signInsPerMinute: env.WEFT_LOGIN_RATE_PER_MINUTE,
      allowLoopbackIssuers: env.WEFT_SSO_ALLOW_LOOPBACK_ISSUERS,
    },
    mail: {
      publicUrl: env.WEFT_PUBLIC_URL ?? `http://localhost:${env.CONTROL_PLANE_PORT}`,
      ...(env.WEFT_SMTP_URL !== undefined ? { smtpUrl: env.WEFT_SMTP_URL } : {}),
      ...(env.WEFT_MAIL_DIRECTORY !== undefined ? { directory: env.WEFT_MAIL_DIRECTORY } : {}),
      from: env.WEFT_MAIL_FROM,
    },
    startupTimeoutMs: env.STARTUP_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}
