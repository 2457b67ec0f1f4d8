import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { LOG_LEVELS, type LogLevel } from '@weft/log-schema';
import { ConfigError, Secret } from './config.js';
import { IsUrlWithProtocol, ToInt } from './validators.js';

/**
 * Settings every Weft server shares: logging, NATS (and its TLS), HTTPS, and how long boot
 * waits for dependencies.
 */
export class ServiceEnv {
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsUrlWithProtocol(['nats:', 'tls:'], { list: true })
  NATS_URL!: string;

  @IsOptional()
  @IsString()
  NATS_USER?: string;

  @Secret()
  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  /** PEM CA certificate(s) to verify the NATS servers with; set → TLS is required. */
  @IsOptional()
  @IsString()
  NATS_TLS_CA_FILE?: string;

  /** PEM client certificate, for NATS servers that verify clients (mutual TLS). */
  @IsOptional()
  @IsString()
  NATS_TLS_CERT_FILE?: string;

  /** PEM private key of NATS_TLS_CERT_FILE. */
  @IsOptional()
  @IsString()
  NATS_TLS_KEY_FILE?: string;

  /** PEM certificate (chain) to serve HTTPS with; set with TLS_KEY_FILE, else plain HTTP. */
  @IsOptional()
  @IsString()
  TLS_CERT_FILE?: string;

  /** PEM private key of TLS_CERT_FILE. */
  @IsOptional()
  @IsString()
  TLS_KEY_FILE?: string;

  /** A file holding the passphrase of an encrypted TLS_KEY_FILE. */
  @IsOptional()
  @IsString()
  TLS_KEY_PASSPHRASE_FILE?: string;

  /** How long boot may wait for its dependencies before exiting with an error. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(600)
  STARTUP_TIMEOUT_SECONDS: number = 15;

  /** On SIGTERM, how long requests in flight may take before their connections are cut. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600)
  SHUTDOWN_GRACE_SECONDS: number = 10;
}

export interface NatsSettings {
  servers: string[];
  user?: string;
  password?: string;
  /** Present when NATS is reached over TLS: a `tls://` URL or any NATS_TLS_* file set. */
  tls?: NatsTlsFiles;
}

/** Paths of PEM files; read at connection time, so a failure names the setting. */
export interface NatsTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export function compileNatsSettings(env: ServiceEnv): NatsSettings {
  if ((env.NATS_USER === undefined) !== (env.NATS_PASSWORD === undefined)) {
    const missing = env.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD';
    throw new ConfigError(
      [missing],
      `invalid configuration: ${missing} is required when the other NATS credential is set`,
    );
  }
  if ((env.NATS_TLS_CERT_FILE === undefined) !== (env.NATS_TLS_KEY_FILE === undefined)) {
    const missing =
      env.NATS_TLS_CERT_FILE === undefined ? 'NATS_TLS_CERT_FILE' : 'NATS_TLS_KEY_FILE';
    throw new ConfigError(
      [missing],
      `invalid configuration: ${missing} is required when the other of NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE is set`,
    );
  }
  const servers = env.NATS_URL.split(',').map((s) => s.trim());
  const tls: NatsTlsFiles = {
    ...(env.NATS_TLS_CA_FILE !== undefined ? { caFile: env.NATS_TLS_CA_FILE } : {}),
    ...(env.NATS_TLS_CERT_FILE !== undefined ? { certFile: env.NATS_TLS_CERT_FILE } : {}),
    ...(env.NATS_TLS_KEY_FILE !== undefined ? { keyFile: env.NATS_TLS_KEY_FILE } : {}),
  };
  const tlsWanted =
    Object.keys(tls).length > 0 || servers.some((server) => server.startsWith('tls://'));
  return {
    servers,
    ...(env.NATS_USER !== undefined && env.NATS_PASSWORD !== undefined
      ? { user: env.NATS_USER, password: env.NATS_PASSWORD }
      : {}),
    ...(tlsWanted ? { tls } : {}),
  };
}

/** Where the HTTPS certificate and key are; see `loadTlsCredentials` and `listenHttps`. */
export interface TlsSettings {
  certFile: string;
  keyFile: string;
  passphraseFile?: string;
}

/**
 * HTTPS settings, or undefined for plain HTTP. TLS_CERT_FILE and TLS_KEY_FILE come together;
 * TLS_KEY_PASSPHRASE_FILE only with them. The files are read at boot (`loadTlsCredentials`).
 */
export function compileTlsSettings(env: ServiceEnv): TlsSettings | undefined {
  const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = env;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
    throw new ConfigError(
      [missing],
      `invalid configuration: ${missing} is required when the other of TLS_CERT_FILE and TLS_KEY_FILE is set`,
    );
  }
  if (certFile === undefined || keyFile === undefined) {
    if (env.TLS_KEY_PASSPHRASE_FILE !== undefined) {
      throw new ConfigError(
        ['TLS_KEY_PASSPHRASE_FILE'],
        'invalid configuration: TLS_KEY_PASSPHRASE_FILE needs TLS_CERT_FILE and TLS_KEY_FILE',
      );
    }
    return undefined;
  }
  return {
    certFile,
    keyFile,
    ...(env.TLS_KEY_PASSPHRASE_FILE !== undefined
      ? { passphraseFile: env.TLS_KEY_PASSPHRASE_FILE }
      : {}),
  };
}
