import type { RunSecret } from '../secrets/resolve-run-secrets.js';
import { OperationRunError } from './operation-run.error.js';

/** A connector step of an operation: which connector, and its configuration (validated by the connector). */
export interface ConnectorStep {
  readonly connector: string;
  readonly config: unknown;
}

/** `run.operation`, version 1 (docs/agent-protocol.md). */
export interface OperationV1 {
  readonly version: 1;
  readonly source?: ConnectorStep;
  /** A @weft/transform mapping document (an object, or its YAML/JSON text). */
  readonly mapping?: unknown;
  readonly target?: ConnectorStep;
  /** Stored values, or `{ reference: 'env:NAME' | 'file:/path' }` resolved on this agent. */
  readonly secrets: readonly RunSecret[];
  readonly egress: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  /** Records per batch handed to the target. */
  readonly chunkRecords: number;
}

export const DEFAULT_CHUNK_RECORDS = 1000;
const MAX_CHUNK_RECORDS = 100_000;

/** Checks the shape of an operation (no I/O); connector configs and the mapping are checked later. */
export function parseOperation(value: unknown): OperationV1 {
  const operation = object(value, 'operation');
  if (operation['version'] !== 1) fail('operation.version must be 1');
  const transformation =
    operation['transformation'] === undefined
      ? undefined
      : object(operation['transformation'], 'operation.transformation');
  const mapping = transformation?.['mapping'];
  if (transformation !== undefined && (mapping === undefined || mapping === null)) {
    fail('operation.transformation.mapping is missing');
  }
  const egress =
    operation['egress'] === undefined ? {} : object(operation['egress'], 'operation.egress');
  const chunkRecords = operation['chunkRecords'] ?? DEFAULT_CHUNK_RECORDS;
  if (
    typeof chunkRecords !== 'number' ||
    !Number.isInteger(chunkRecords) ||
    chunkRecords < 1 ||
    chunkRecords > MAX_CHUNK_RECORDS
  ) {
    fail(`operation.chunkRecords must be an integer from 1 to ${MAX_CHUNK_RECORDS}`);
  }
  const source = step(operation['source'], 'source');
  const target = step(operation['target'], 'target');
  return {
    version: 1,
    ...(source === undefined ? {} : { source }),
    ...(mapping === undefined ? {} : { mapping }),
    ...(target === undefined ? {} : { target }),
    secrets: secrets(operation['secrets']),
    egress: { allow: strings(egress['allow'], 'allow'), deny: strings(egress['deny'], 'deny') },
    chunkRecords,
  };
}

function step(value: unknown, name: string): ConnectorStep | undefined {
  if (value === undefined || value === null) return undefined;
  const stepObject = object(value, `operation.${name}`);
  const connector = stepObject['connector'];
  if (typeof connector !== 'string' || connector === '') {
    fail(`operation.${name}.connector must be a connector type`);
  }
  return { connector, config: stepObject['config'] ?? {} };
}

/**
 * `[{ name, kind, reference }]`: what the connections reference by name, each resolved here
 * (`env:` / `file:`) within the operator's allow-lists. A run never carries a stored value.
 */
function secrets(value: unknown): RunSecret[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail('operation.secrets must be a list of { name, kind, reference }');
  return (value as unknown[]).map((entry, index): RunSecret => {
    const secret = entry as { name?: unknown; kind?: unknown; reference?: unknown } | null;
    if (
      typeof secret !== 'object' ||
      secret === null ||
      typeof secret.name !== 'string' ||
      (secret.kind !== 'variable' && secret.kind !== 'credential') ||
      typeof secret.reference !== 'string'
    ) {
      return fail(
        `operation.secrets[${index}] must be { name, kind: variable | credential, reference }`,
      );
    }
    return { name: secret.name, kind: secret.kind, reference: secret.reference };
  });
}

function strings(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    fail(`operation.egress.${name} must be a list of strings`);
  }
  return value as string[];
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function fail(message: string): never {
  throw new OperationRunError('invalid_operation', message);
}
