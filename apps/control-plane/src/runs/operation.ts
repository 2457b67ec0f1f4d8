const RUN_ERROR = Symbol.for('weft.control-plane.run-error');

export type RunErrorCode = 'NOT_FOUND' | 'VALIDATION_FAILED' | 'RUN_FINISHED' | 'RUN_NOT_RETRYABLE';

export class RunError extends Error {
  readonly [RUN_ERROR] = true;
  constructor(
    readonly code: RunErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
  static is(value: unknown): value is RunError {
    return typeof value === 'object' && value !== null && RUN_ERROR in value;
  }
}

/** The operation an agent executes (docs/agent-protocol.md, "The operation"), version 1. */
export interface OperationDocument {
  version: 1;
  source?: { connector: string; config: unknown };
  transformation?: { mapping: unknown };
  target?: { connector: string; config: unknown };
  secrets?: Array<{ name: string; kind: 'variable' | 'credential'; reference: string }>;
  egress?: { allow?: string[]; deny?: string[] };
  chunkRecords?: number;
}

/** Operations are small documents; records travel through connectors, never in the run message. */
export const MAX_OPERATION_BYTES = 256 * 1024;
const CONNECTOR_TYPE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)?$/;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The shape of an operation, checked before it is queued: the agent validates connector
 * configurations and compiles the mapping itself (it has the connectors), but nothing that is
 * not an operation, too big, or carrying a secret value ever reaches the queue.
 */
export function checkOperation(value: unknown): OperationDocument {
  const fail = (message: string): never => {
    throw new RunError('VALIDATION_FAILED', `operation ${message}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('must be an object');
  const doc = value as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify(doc));
  if (size > MAX_OPERATION_BYTES) fail(`is ${size} bytes; the limit is ${MAX_OPERATION_BYTES}`);
  for (const key of Object.keys(doc)) {
    if (
      ![
        'version',
        'source',
        'transformation',
        'target',
        'secrets',
        'egress',
        'chunkRecords',
      ].includes(key)
    ) {
      fail(`has an unknown field "${key.slice(0, 40)}"`);
    }
  }
  if (doc.version !== 1) fail('version must be 1');
  for (const end of ['source', 'target'] as const) {
    const part = doc[end];
    if (part === undefined) continue;
    const connector = (part as { connector?: unknown } | null)?.connector;
    if (typeof connector !== 'string' || !CONNECTOR_TYPE.test(connector)) {
      fail(`${end}.connector must be a connector type such as "http" or "vendor.name"`);
    }
  }
  if (doc.transformation !== undefined) {
    const mapping = (doc.transformation as { mapping?: unknown } | null)?.mapping;
    if (typeof mapping !== 'object' || mapping === null) {
      fail('transformation.mapping must be a mapping document');
    }
  }
  if (doc.secrets !== undefined) {
    if (!Array.isArray(doc.secrets) || doc.secrets.length > 100) {
      fail('secrets must be a list of at most 100 references');
    }
    (doc.secrets as unknown[]).forEach((secret, index) => {
      const s = secret as Record<string, unknown> | null;
      if (
        typeof s !== 'object' ||
        s === null ||
        typeof s.name !== 'string' ||
        !SECRET_NAME.test(s.name) ||
        (s.kind !== 'variable' && s.kind !== 'credential') ||
        typeof s.reference !== 'string' ||
        'value' in s
      ) {
        fail(
          `secrets[${index}] must be { name, kind, reference } (values never travel with a run)`,
        );
      }
    });
  }
  if (doc.chunkRecords !== undefined) {
    const n = doc.chunkRecords;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100_000) {
      fail('chunkRecords must be an integer from 1 to 100000');
    }
  }
  return doc as unknown as OperationDocument;
}
