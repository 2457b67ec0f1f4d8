import 'reflect-metadata';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { SECRET_ENV_VARIABLE_ENTRY } from '../secrets/secret-reference-policy.js';
import { IsAbsolutePath, IsGatewayUrl, IsNoProxyEntry, IsProxyUrl } from './setting-rules.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type AgentLogLevel = (typeof LOG_LEVELS)[number];
export const AGENT_KINDS = ['private', 'cloud'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
// Group ids travel into NATS subjects on the gateway side: no dots, wildcards or whitespace.
const AGENT_GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;
const PATH = /^[^\0]+$/;

const mustBeString = { message: 'must be a string' };
const mustBeInteger = { message: 'must be an integer' };
const required = { message: 'is required' };

/**
 * The settings as they arrive from agent.yaml and WEFT_AGENT_* variables, defaults already filled in.
 * Validated once at boot (the most basic problem per property is reported), then compiled into an
 * AgentConfig. Every property here has a row in AGENT_SETTINGS (settings.ts), which the
 * type system enforces, and which the help text is generated from.
 */
export class AgentSettingsInput {
  @IsDefined(required)
  @IsString(mustBeString)
  @IsGatewayUrl()
  gatewayUrl!: string;

  @IsDefined(required)
  @IsString(mustBeString)
  @Matches(AGENT_NAME, {
    message:
      'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  agentName!: string;

  @IsDefined(required)
  @IsString(mustBeString)
  @Matches(AGENT_GROUP_ID, {
    message: 'must be 1-64 letters, digits, dashes or underscores, starting with a letter or digit',
  })
  agentGroupId!: string;

  @IsOptional()
  @IsString(mustBeString)
  @Length(16, 4096, { message: 'must be 16 to 4096 characters long' })
  @Matches(TOKEN_CHARACTERS, { message: 'must contain printable characters only, without spaces' })
  enrolmentToken?: string;

  @IsDefined(required)
  @IsIn(AGENT_KINDS, { message: `must be one of ${AGENT_KINDS.join(', ')}` })
  agentKind!: AgentKind;

  @IsDefined(required)
  @IsBoolean({ message: 'must be true or false' })
  cloudLogging!: boolean;

  @IsDefined(required)
  @IsString(mustBeString)
  @Matches(PATH, { message: 'must be a non-empty path' })
  stateDir!: string;

  @IsDefined(required)
  @IsString(mustBeString)
  @Matches(PATH, { message: 'must be a non-empty path' })
  workDir!: string;

  @IsDefined(required)
  @IsString(mustBeString)
  @Matches(PATH, { message: 'must be a non-empty path' })
  logDir!: string;

  @IsDefined(required)
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  logLevel!: AgentLogLevel;

  @IsDefined(required)
  @IsInt(mustBeInteger)
  @Min(1, { message: 'must be between 1 and 14' })
  @Max(14, { message: 'must be between 1 and 14' })
  logRetentionDays!: number;

  @IsOptional()
  @IsString(mustBeString)
  @IsProxyUrl()
  proxyUrl?: string;

  @IsOptional()
  @IsArray({ message: 'must be a list of host names' })
  @IsString({ each: true, message: 'must be a list of host names' })
  @IsNoProxyEntry({ each: true })
  noProxy?: string[];

  @IsOptional()
  @IsString(mustBeString)
  @Matches(PATH, { message: 'must be a non-empty path' })
  caFile?: string;

  @IsOptional()
  @IsArray({ message: 'must be a list of variable names' })
  @IsString({ each: true, message: 'must be a list of variable names' })
  @Matches(SECRET_ENV_VARIABLE_ENTRY, {
    each: true,
    message:
      'must list variable names (letters, digits, "_"), each optionally ending in * for a prefix',
  })
  secretEnvVariables?: string[];

  @IsOptional()
  @IsArray({ message: 'must be a list of absolute directories' })
  @IsString({ each: true, message: 'must be a list of absolute directories' })
  @IsAbsolutePath({ each: true, message: 'must be a list of absolute directories' })
  secretFileDirectories?: string[];

  @IsDefined(required)
  @IsInt(mustBeInteger)
  @Min(1, { message: 'must be between 1 and 256' })
  @Max(256, { message: 'must be between 1 and 256' })
  maxConcurrentRuns!: number;

  @IsDefined(required)
  @IsInt(mustBeInteger)
  @Min(0, { message: 'must be between 0 and 3600' })
  @Max(3600, { message: 'must be between 0 and 3600' })
  shutdownGraceSeconds!: number;

  @IsDefined(required)
  @IsInt(mustBeInteger)
  @Min(0, { message: 'must be between 0 and 65535' })
  @Max(65535, { message: 'must be between 0 and 65535' })
  healthPort!: number;
}
