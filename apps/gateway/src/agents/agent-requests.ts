import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

const VISIBLE = /^[^\p{Cc}]*$/u;
/** base64 or base64url, padded or not. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** What an agent says about itself (shown by the control plane). */
export class AgentDescription {
  @IsOptional()
  @IsString()
  @Length(1, 50)
  @Matches(VISIBLE, { message: 'version must not contain control characters' })
  version?: string;

  @IsOptional()
  @IsString()
  @Length(1, 255)
  @Matches(VISIBLE, { message: 'host must not contain control characters' })
  host?: string;
}

export class EnrolRequest extends AgentDescription {
  @IsString()
  @Matches(/^weft_enrol_[A-Za-z0-9_-]{43}$/, { message: 'token must be a Weft enrolment token' })
  token!: string;

  @IsString()
  @Length(40, 200)
  @Matches(BASE64, { message: 'publicKey must be an Ed25519 public key (SPKI DER, base64)' })
  publicKey!: string;

  @IsString()
  @Length(1, 63)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'name must be letters, digits, ".", "-" or "_"' })
  name!: string;
}

export class ChallengeRequest {
  @IsUUID('all', { message: 'agentId must be the agent id given at enrolment' })
  agentId!: string;
}

export class TokenRequest extends ChallengeRequest {
  @IsString()
  @Length(1, 1000)
  challenge!: string;

  @IsString()
  @Length(1, 200)
  @Matches(BASE64, { message: 'signature must be base64' })
  signature!: string;
}

export class HeartbeatRequest extends AgentDescription {
  @IsInt()
  @Min(0)
  @Max(10_000)
  runningRuns!: number;

  @IsInt()
  @Min(1)
  @Max(10_000)
  maxConcurrentRuns!: number;
}

export class WorkRequest {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(25)
  waitSeconds?: number;

  /** How many runs the agent can start now (its free run slots). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  max?: number;
}

export class LeaseRequest {
  @IsString()
  @Length(1, 4096)
  lease!: string;
}

export class RecordCounts {
  @IsInt()
  @Min(0)
  read!: number;

  @IsInt()
  @Min(0)
  written!: number;

  @IsInt()
  @Min(0)
  failed!: number;
}

export class ProgressRequest extends LeaseRequest {
  @ValidateNested()
  @Type(() => RecordCounts)
  records!: RecordCounts;
}

export class RunErrorReport {
  @IsString()
  @Length(1, 100)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'error.code must be a code (letters, digits, _ . -)' })
  code!: string;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  message?: string;
}

export class CompleteRequest extends ProgressRequest {
  @IsIn(['succeeded', 'failed', 'cancelled'])
  status!: 'succeeded' | 'failed' | 'cancelled';

  @IsOptional()
  @ValidateNested()
  @Type(() => RunErrorReport)
  error?: RunErrorReport;
}

export class RunSecretsRequest extends LeaseRequest {
  /** The agent's one-time X25519 public key for this run attempt: raw 32 bytes, base64url. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, {
    message: 'publicKey must be a raw 32-byte X25519 public key, base64url without padding',
  })
  publicKey!: string;
}

export const OPERATION_LOG_LEVELS = ['info', 'warn', 'error'] as const;
export const OPERATION_LOG_STEPS = ['source', 'transformation', 'target', 'operation'] as const;
/** Per call; an agent sends at most 200 messages and 64 KiB per run, in several calls. */
export const MAX_OPERATION_LOG_MESSAGES = 50;
export const MAX_OPERATION_LOG_TEXT = 1000;

/** One line of a run's operation log. */
export class OperationLogMessage {
  /** When the agent wrote it, ISO 8601 UTC. */
  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'at must be an ISO 8601 time' })
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, {
    message: 'at must be a UTC time such as 2026-01-31T12:00:00.000Z',
  })
  at!: string;

  @IsIn(OPERATION_LOG_LEVELS)
  level!: (typeof OPERATION_LOG_LEVELS)[number];

  @IsOptional()
  @IsIn(OPERATION_LOG_STEPS)
  step?: (typeof OPERATION_LOG_STEPS)[number];

  @IsString()
  @MaxLength(MAX_OPERATION_LOG_TEXT)
  text!: string;
}

export class OperationLogRequest extends LeaseRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OPERATION_LOG_MESSAGES)
  @ValidateNested({ each: true })
  @Type(() => OperationLogMessage)
  messages!: OperationLogMessage[];
}
