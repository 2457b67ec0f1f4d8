import { randomUUID } from 'node:crypto';
import { MessagingError } from './errors.js';
import { describeType } from './internal/describe.js';
import { subjectTokenProblem } from './internal/token.js';

export const ENVELOPE_VERSION = 1;
/** NATS's default max_payload; an envelope is refused above this unless the caller says otherwise. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024;

/** Every message on Weft's subjects travels in one of these. */
export interface Envelope<P = unknown> {
  v: typeof ENVELOPE_VERSION;
  /** Unique message id (a UUID when created here): for de-duplication and tracing. */
  id: string;
  /** What the payload is, dotted lower-case words: `run.requested`, `agent.status`. */
  type: string;
  /** When the message was created, ISO 8601 UTC. */
  time: string;
  orgId: string;
  environmentId: string;
  agentGroupId?: string;
  /** Ties a reply or follow-up to the message or request it answers. */
  correlationId?: string;
  payload: P;
}

export interface EnvelopeInput<P> {
  type: string;
  payload: P;
  orgId: string;
  environmentId: string;
  agentGroupId?: string;
  correlationId?: string;
  /** Default: a fresh UUID. */
  id?: string;
  /** Default: now. */
  time?: Date;
}

export interface EnvelopeLimits {
  /** Default DEFAULT_MAX_ENVELOPE_BYTES (1 MiB). */
  maxBytes?: number;
}

const FIELDS = new Set([
  'v',
  'id',
  'type',
  'time',
  'orgId',
  'environmentId',
  'agentGroupId',
  'correlationId',
  'payload',
]);
const TYPE = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*){0,7}$/;
const MAX_TYPE_LENGTH = 128;
const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/; // visible ASCII: request ids come from outside
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A new, validated version-1 envelope. */
export function createEnvelope<P>(input: EnvelopeInput<P>): Envelope<P> {
  const envelope: Envelope<P> = {
    v: ENVELOPE_VERSION,
    id: input.id ?? randomUUID(),
    type: input.type,
    time: (input.time ?? new Date()).toISOString(),
    orgId: input.orgId,
    environmentId: input.environmentId,
    ...(input.agentGroupId === undefined ? {} : { agentGroupId: input.agentGroupId }),
    ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
    payload: input.payload,
  };
  return checkEnvelope(envelope) as Envelope<P>;
}

/** UTF-8 JSON bytes of a valid envelope, refused above the size limit. */
export function encodeEnvelope(envelope: Envelope, limits: EnvelopeLimits = {}): Uint8Array {
  checkEnvelope(envelope);
  if (envelope.payload === undefined)
    throw invalid('payload', 'is undefined, which JSON cannot carry');
  let json: string;
  try {
    json = JSON.stringify(envelope);
  } catch (error) {
    throw invalid('payload', `cannot be serialised as JSON (${(error as Error).name})`, error);
  }
  const bytes = encoder.encode(json);
  assertSize(bytes.byteLength, limits);
  return bytes;
}

/**
 * Parses and validates an envelope received from NATS: size first, then UTF-8, JSON, the
 * version, and every field. Returns a fresh object holding only the known fields; the
 * payload is returned as parsed, for the consumer of `type` to validate.
 */
export function decodeEnvelope(bytes: Uint8Array, limits: EnvelopeLimits = {}): Envelope<unknown> {
  if (!(bytes instanceof Uint8Array)) {
    throw new MessagingError(
      'INVALID_ENVELOPE',
      `envelope must be bytes, got ${describeType(bytes)}`,
    );
  }
  assertSize(bytes.byteLength, limits);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new MessagingError('INVALID_ENVELOPE', 'envelope is not UTF-8 JSON', { cause: error });
  }
  return checkEnvelope(parsed);
}

function checkEnvelope(value: unknown): Envelope<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MessagingError(
      'INVALID_ENVELOPE',
      `envelope must be a JSON object, got ${describeType(value)}`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) throw invalid(printable(key), 'is not an envelope field');
  }
  checkVersion(record.v);
  assertIdentifier(record.id, 'id');
  if (
    typeof record.type !== 'string' ||
    record.type.length > MAX_TYPE_LENGTH ||
    !TYPE.test(record.type)
  ) {
    throw invalid(
      'type',
      'must be dotted lower-case words such as "run.requested" (at most 128 characters)',
    );
  }
  if (
    typeof record.time !== 'string' ||
    !ISO_UTC.test(record.time) ||
    !Number.isFinite(Date.parse(record.time))
  ) {
    throw invalid('time', 'must be an ISO 8601 UTC timestamp such as "2025-01-31T12:00:00.000Z"');
  }
  assertIdentifier(record.orgId, 'orgId');
  assertIdentifier(record.environmentId, 'environmentId');
  if (record.agentGroupId !== undefined) assertIdentifier(record.agentGroupId, 'agentGroupId');
  if (record.correlationId !== undefined) {
    if (typeof record.correlationId !== 'string' || !CORRELATION_ID.test(record.correlationId)) {
      throw invalid('correlationId', 'must be 1 to 128 visible ASCII characters');
    }
  }
  if (!('payload' in record)) throw invalid('payload', 'is missing');
  return {
    v: ENVELOPE_VERSION,
    id: record.id as string,
    type: record.type,
    time: record.time,
    orgId: record.orgId as string,
    environmentId: record.environmentId as string,
    ...(record.agentGroupId === undefined ? {} : { agentGroupId: record.agentGroupId as string }),
    ...(record.correlationId === undefined
      ? {}
      : { correlationId: record.correlationId as string }),
    payload: record.payload,
  };
}

function checkVersion(version: unknown): void {
  if (version === ENVELOPE_VERSION) return;
  if (typeof version === 'number' && Number.isInteger(version)) {
    throw new MessagingError(
      'UNSUPPORTED_ENVELOPE_VERSION',
      `envelope version ${version} is not supported; this build reads version ${ENVELOPE_VERSION}`,
      { field: 'v' },
    );
  }
  throw invalid('v', `must be the envelope version number, got ${describeType(version)}`);
}

/** Ids in envelopes follow the subject-token rule (assertSubjectToken's): they end up in subjects. */
function assertIdentifier(value: unknown, field: string): void {
  const problem = subjectTokenProblem(value);
  if (problem !== undefined) throw invalid(field, problem);
}

function assertSize(byteLength: number, limits: EnvelopeLimits): void {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  if (byteLength > maxBytes) {
    throw new MessagingError(
      'ENVELOPE_TOO_LARGE',
      `envelope is ${byteLength} bytes; the limit is ${maxBytes}`,
    );
  }
}

/** An unknown key is hostile input: keep it short and visible-ASCII before it reaches a log. */
function printable(key: string): string {
  const visible = key.replace(/[^\x21-\x7e]/g, '?');
  return visible.length > 40 ? `${visible.slice(0, 40)}…` : visible;
}

function invalid(field: string, problem: string, cause?: unknown): MessagingError {
  return new MessagingError('INVALID_ENVELOPE', `envelope field "${field}" ${problem}`, {
    field,
    cause,
  });
}
