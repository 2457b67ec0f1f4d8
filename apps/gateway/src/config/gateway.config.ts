import { IsInt, Max, Min } from 'class-validator';
import {
  IsListenAddress,
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
}

export interface GatewayConfig {
  http: { port: number; host: string };
  logLevel: LogLevel;
  nats: NatsSettings;
  startupTimeoutMs: number;
  shutdownGraceMs: number;
}

export function compileGatewayConfig(env: GatewayEnv): GatewayConfig {
  return {
    http: { port: env.GATEWAY_PORT, host: env.GATEWAY_HOST },
    logLevel: env.LOG_LEVEL,
    nats: compileNatsSettings(env),
    startupTimeoutMs: env.STARTUP_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}
