export { LOG_SCHEMA_ERROR_CODES, LogSchemaError, type LogSchemaErrorCode } from './errors.js';
export { LOG_LEVELS, isLogLevel, type LogLevel } from './levels.js';
export { noopLogger, type Logger } from './logger.js';
export {
  LOG_LINE_VERSION,
  RESERVED_LOG_LINE_FIELDS,
  parseLogLine,
  type LogLineV1,
} from './log-line.js';
export { createJsonLogger, type JsonLogger, type JsonLoggerOptions } from './json-logger.js';
export {
  AUDIT_ACTOR_TYPES,
  AUDIT_OUTCOMES,
  parseAuditEvent,
  type AuditActorType,
  type AuditEventV1,
  type AuditOutcome,
} from './audit-event.js';
export {
  ACTIVITY_STATUSES,
  ACTIVITY_SUBMITTER_KINDS,
  parseActivityRecord,
  type ActivityRecordV1,
  type ActivityStatus,
  type ActivitySubmitterKind,
} from './activity-record.js';
export {
  ACTIVITY_DETAIL_LEVELS,
  ACTIVITY_DETAIL_STEPS,
  MAX_ACTIVITY_DETAIL_TEXT,
  parseActivityDetail,
  type ActivityDetailLevel,
  type ActivityDetailStep,
  type ActivityDetailV1,
} from './activity-detail.js';
export { parseAgentLogLine, type AgentLogLineV1 } from './agent-log-line.js';
