import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { LOG_LEVELS, type LogLevel } from '@weft/log-schema';
import { ConfigError, Secret } from './config.js';
import { IsUrlWithProtocol, ToInt } from './validators.js';

/** Settings every Weft server shares: logging, NATS, and how long boot waits for dependencies. */
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
}

export function compileNatsSettings(env: ServiceEnv): NatsSettings {
  if ((env.NATS_USER === undefined) !== (env.NATS_PASSWORD === undefined)) {
    const missing = env.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD';
    throw new ConfigError(
      [missing],
      `invalid configuration: ${missing} is required when the other NATS credential is set`,
    );
  }
  return {
    servers: env.NATS_URL.split(',').map((s) => s.trim()),
    ...(env.NATS_USER !== undefined && env.NATS_PASSWORD !== undefined
      ? { user: env.NATS_USER, password: env.NATS_PASSWORD }
      : {}),
  };
}
