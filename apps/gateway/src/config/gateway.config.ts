import { readFileSync, statSync } from 'node:fs';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import {
  ConfigError,
  IsListenAddress,
  Secret,
  ServiceEnv,
  ToInt,
  compileNatsSettings,
  type NatsSettings,
} from '@weft/server-kit';
import type { LogLevel } from '@weft/log-schema';

/**
 * The gateway's settings, one property per environment variable (LOG_LEVEL, NATS_* and
 * STARTUP_TIMEOUT_SECONDS come from ServiceEnv). docs/configuration.md describes each one.
 */
export class GatewayEnv extends ServiceEnv {
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(65535)
  GATEWAY_PORT: number = 3100;

  @IsListenAddress()
  GATEWAY_HOST: string = '127.0.0.1';

  /**
   * The key every gateway of the installation signs agents' challenges, access tokens and run
   * leases with (32 random bytes or more, base64). All gateways share it; changing it makes
   * agents fetch new tokens (and in-flight leases invalid). Prefer GATEWAY_TOKEN_KEY_FILE.
   */
  @Secret()
  @IsOptional()
  @IsString()
  GATEWAY_TOKEN_KEY?: string;

  /** A file (mode 0600 or stricter) holding GATEWAY_TOKEN_KEY. */
  @IsOptional()
  @IsString()
  GATEWAY_TOKEN_KEY_FILE?: string;
}

export interface GatewayConfig {
  http: { port: number; host: string };
  logLevel: LogLevel;
  nats: NatsSettings;
  /** The installation's token key (never logged). */
  tokenKey: Buffer;
  startupTimeoutMs: number;
  shutdownGraceMs: number;
}

export function compileGatewayConfig(env: GatewayEnv): GatewayConfig {
  return {
    http: { port: env.GATEWAY_PORT, host: env.GATEWAY_HOST },
    logLevel: env.LOG_LEVEL,
    nats: compileNatsSettings(env),
    tokenKey: tokenKeyOf(env),
    startupTimeoutMs: env.STARTUP_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}

function tokenKeyOf(env: GatewayEnv): Buffer {
  const names = ['GATEWAY_TOKEN_KEY', 'GATEWAY_TOKEN_KEY_FILE'];
  if ((env.GATEWAY_TOKEN_KEY === undefined) === (env.GATEWAY_TOKEN_KEY_FILE === undefined)) {
    throw new ConfigError(
      names,
      "invalid configuration: set exactly one of GATEWAY_TOKEN_KEY_FILE and GATEWAY_TOKEN_KEY (the key agents' tokens are signed with; 32 random bytes, base64)",
    );
  }
  let text = env.GATEWAY_TOKEN_KEY;
  if (env.GATEWAY_TOKEN_KEY_FILE !== undefined) {
    const file = env.GATEWAY_TOKEN_KEY_FILE;
    try {
      if ((statSync(file).mode & 0o077) !== 0) {
        throw new ConfigError(
          ['GATEWAY_TOKEN_KEY_FILE'],
          `invalid configuration: GATEWAY_TOKEN_KEY_FILE (${file}) is readable by other users; chmod 600 it`,
        );
      }
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (ConfigError.is(error)) throw error;
      throw new ConfigError(
        ['GATEWAY_TOKEN_KEY_FILE'],
        `invalid configuration: GATEWAY_TOKEN_KEY_FILE (${file}) cannot be read`,
      );
    }
  }
  const key = Buffer.from((text ?? '').trim(), 'base64');
  if (key.length < 32 || !/^[A-Za-z0-9+/=_-]+$/.test((text ?? '').trim())) {
    throw new ConfigError(
      [env.GATEWAY_TOKEN_KEY_FILE !== undefined ? 'GATEWAY_TOKEN_KEY_FILE' : 'GATEWAY_TOKEN_KEY'],
      'invalid configuration: the gateway token key must be at least 32 bytes, base64 (e.g. openssl rand -base64 32)',
    );
  }
  return key;
}
