import { MessagingError } from './errors.js';
import { describeType } from './internal/describe.js';
import { MAX_SUBJECT_TOKEN_LENGTH, subjectTokenProblem } from './internal/token.js';

export { MAX_SUBJECT_TOKEN_LENGTH };

/** The first token of every Weft subject. */
export const SUBJECT_ROOT = 'weft';

/**
 * - `run`: operation runs, a JetStream work queue with one durable pull consumer per group;
 * - `api`: published API calls, request/reply;
 * - `events`: status, progress and log events from agents, consumed by the control plane;
 * - `control`: deploy and configuration notices.
 */
export const SUBJECT_KINDS = ['run', 'api', 'events', 'control'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** Where an agent group lives: the three ids that scope every subject. */
export interface AgentGroupAddress {
  orgId: string;
  environmentId: string;
  agentGroupId: string;
}

export interface SubjectParts extends AgentGroupAddress {
  kind: SubjectKind;
}

/**
 * The single check every id passes before it becomes part of a subject (or a stream name):
 * 1 to 64 characters of `A-Z a-z 0-9 _ -`. An allow-list, so that no `.` (token separator),
 * `*` or `>` (wildcards), whitespace, control or non-ASCII character can reach NATS.
 */
export function assertSubjectToken(value: unknown, field: string): asserts value is string {
  const problem = subjectTokenProblem(value);
  if (problem !== undefined) {
    throw new MessagingError('INVALID_SUBJECT_TOKEN', `${field} ${problem}`, { field });
  }
}

export function isSubjectKind(value: unknown): value is SubjectKind {
  return typeof value === 'string' && (SUBJECT_KINDS as readonly string[]).includes(value);
}

/** `weft.<org>.<env>.<group>.<kind>`, every id checked by `assertSubjectToken`. */
export function buildSubject(parts: SubjectParts): string {
  assertAddress(parts);
  if (!isSubjectKind(parts.kind)) {
    throw new MessagingError('INVALID_SUBJECT', `kind must be one of ${SUBJECT_KINDS.join(', ')}`, {
      field: 'kind',
    });
  }
  return [SUBJECT_ROOT, parts.orgId, parts.environmentId, parts.agentGroupId, parts.kind].join('.');
}

/** The parts of a concrete Weft subject; throws `INVALID_SUBJECT` for anything else (wildcards included). */
export function parseSubject(subject: string): SubjectParts {
  if (typeof subject !== 'string') {
    throw new MessagingError(
      'INVALID_SUBJECT',
      `subject must be a string, got ${describeType(subject)}`,
    );
  }
  const tokens = subject.split('.');
  if (tokens.length !== 5 || tokens[0] !== SUBJECT_ROOT) {
    throw new MessagingError(
      'INVALID_SUBJECT',
      `subject must have the form ${SUBJECT_ROOT}.<org>.<env>.<group>.<kind> (got ${tokens.length} tokens)`,
    );
  }
  const [, orgId, environmentId, agentGroupId, kind] = tokens;
  try {
    assertAddress({ orgId, environmentId, agentGroupId });
  } catch (error) {
    const field = MessagingError.is(error) ? error.field : undefined;
    throw new MessagingError('INVALID_SUBJECT', `subject ${(error as Error).message}`, {
      field,
      cause: error,
    });
  }
  if (!isSubjectKind(kind)) {
    throw new MessagingError(
      'INVALID_SUBJECT',
      `subject kind must be one of ${SUBJECT_KINDS.join(', ')}`,
      {
        field: 'kind',
      },
    );
  }
  return {
    orgId: orgId as string,
    environmentId: environmentId as string,
    agentGroupId: agentGroupId as string,
    kind,
  };
}

/**
 * A subscription or permission pattern: every part left out matches any single token.
 * `subjectWildcard({ kind: 'events' })` → `weft.*.*.*.events` (all agents' events);
 * `subjectWildcard({ orgId, environmentId })` → `weft.<org>.<env>.*.*`.
 */
export function subjectWildcard(parts: Partial<SubjectParts>): string {
  const token = (value: string | undefined, field: string): string => {
    if (value === undefined) return '*';
    assertSubjectToken(value, field);
    return value;
  };
  if (parts.kind !== undefined && !isSubjectKind(parts.kind)) {
    throw new MessagingError('INVALID_SUBJECT', `kind must be one of ${SUBJECT_KINDS.join(', ')}`, {
      field: 'kind',
    });
  }
  return [
    SUBJECT_ROOT,
    token(parts.orgId, 'orgId'),
    token(parts.environmentId, 'environmentId'),
    token(parts.agentGroupId, 'agentGroupId'),
    parts.kind ?? '*',
  ].join('.');
}

/** All kinds of one agent group: `weft.<org>.<env>.<group>.*`. */
export function groupWildcard(group: AgentGroupAddress): string {
  assertAddress(group);
  return subjectWildcard(group);
}

export function assertAddress(
  address: Partial<AgentGroupAddress>,
): asserts address is AgentGroupAddress {
  assertSubjectToken(address.orgId, 'orgId');
  assertSubjectToken(address.environmentId, 'environmentId');
  assertSubjectToken(address.agentGroupId, 'agentGroupId');
}
