import { LOG_LEVELS, type LogLevel } from './levels.js';
import { Fields } from './internal/fields.js';

/** One line of an agent's local log, as relayed to the control plane. */
export interface AgentLogLineV1 {
  v: 1;
  /** ISO 8601 */
  time: string;
  level: LogLevel;
  agentId: string;
  /** The operation run the line belongs to, if any. */
  runId?: string;
  msg: string;
}

const SUBJECT = { code: 'INVALID_AGENT_LOG_LINE', name: 'agent log line' } as const;

/** Validates an agent log line from the network; unknown fields are dropped. */
export function parseAgentLogLine(value: unknown): AgentLogLineV1 {
  const fields = Fields.of(value, SUBJECT);
  const line: AgentLogLineV1 = {
    v: fields.version(1),
    time: fields.time('time'),
    level: fields.oneOf('level', LOG_LEVELS),
    agentId: fields.id('agentId'),
    msg: fields.string('msg'),
  };
  const runId = fields.optionalId('runId');
  if (runId !== undefined) line.runId = runId;
  return line;
}
