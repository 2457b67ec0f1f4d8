import { SecretValue } from '../config/secret-value.js';
import type { RecordCounts, RunAssignment, RunOutcome } from '../runs/work-source.js';
import { AgentGatewayError } from './gateway.error.js';

/** POST /agent/v1/work: how long the gateway may hold the request waiting for a run (1-25). */
export const DEFAULT_WAIT_SECONDS = 25;

/** A 200 answer of POST /agent/v1/work as a RunAssignment; anything malformed is a protocol error. */
/** The runs of a 200 answer to POST /agent/v1/work: `{ runs: [{ lease, leaseSeconds, run }] }`. */
export function parseWorkAnswers(body: unknown): Array<RunAssignment & { lease: SecretValue }> {
  const runs = asObject(body, 'the answer')['runs'];
  if (!Array.isArray(runs) || runs.length === 0)
    throw protocolError('runs must be a non-empty list');
  return runs.map((entry) => parseWorkAnswer(entry));
}

/** One `{ lease, leaseSeconds, run }` of a work answer. */
export function parseWorkAnswer(body: unknown): RunAssignment & { lease: SecretValue } {
  const answer = asObject(body, 'the answer');
  const run = asObject(answer['run'], 'run');
  const lease = text(answer, 'lease');
  const leaseSeconds = answer['leaseSeconds'];
  if (typeof leaseSeconds !== 'number' || !(leaseSeconds > 0)) {
    throw protocolError('leaseSeconds must be a positive number');
  }
  const attempt = count(run, 'attempt');
  const maxAttempts = count(run, 'maxAttempts');
  if (!('operation' in run)) throw protocolError('run.operation is missing');
  return {
    runId: text(run, 'runId'),
    operationId: text(run, 'operationId'),
    environmentId: text(run, 'environmentId'),
    attempt,
    maxAttempts,
    idempotencyKey: text(run, 'idempotencyKey'),
    operation: run['operation'],
    lease: new SecretValue(lease),
    leaseSeconds,
    ...(run['cloud'] === true ? { cloud: true } : {}),
  };
}

/** The answer of runs/started and runs/progress. */
export function cancelRequested(body: unknown): boolean {
  return (body as { cancelRequested?: unknown } | undefined)?.cancelRequested === true;
}

/** The body of POST runs/complete. With cloud logging off only the status, counts and code leave the agent. */
export function completionBody(
  lease: string,
  outcome: RunOutcome,
  cloudLogging: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    lease,
    status: outcome.status,
    records: countsOf(outcome.records),
  };
  if (outcome.status === 'failed') {
    const code = reportableCode(outcome.errorCode);
    body['error'] = cloudLogging
      ? { code, message: outcome.message.slice(0, MAX_ERROR_MESSAGE_LENGTH) }
      : { code };
  }
  return body;
}

/** What the gateway accepts in `error`: a code of letters, digits, _ . - (≤ 100), a message ≤ 2000. */
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,100}$/;
const MAX_ERROR_MESSAGE_LENGTH = 2000;

/** Error codes come from connectors and libraries: an outcome must not be refused over one. */
function reportableCode(code: string): string {
  if (ERROR_CODE.test(code)) return code;
  const cleaned = code.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
  return cleaned === '' ? 'run-failed' : cleaned;
}

export function countsOf(records: Readonly<RecordCounts>): RecordCounts {
  return { read: records.read, written: records.written, failed: records.failed };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function text(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value === '') throw protocolError(`${field} must be a string`);
  return value;
}

function count(object: Record<string, unknown>, field: string): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw protocolError(`${field} must be a positive integer`);
  }
  return value;
}

function protocolError(reason: string): AgentGatewayError {
  return new AgentGatewayError('GATEWAY_PROTOCOL_ERROR', `POST /agent/v1/work: ${reason}`, 200);
}
