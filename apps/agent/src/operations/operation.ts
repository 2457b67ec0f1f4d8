import type { RunSecret } from '../secrets/resolve-run-secrets.js';
import { OperationRunError } from './operation-run.error.js';
import type { InterfaceDefinition } from './record-interfaces.js';

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
  /** `transformation.interfaces`: the interfaces the mapping names, by name. */
  readonly interfaces?: Readonly<Record<string, InterfaceDefinition>>;
  readonly target?: ConnectorStep;
  /** `{ name, kind, reference }`: `vault:<id>` (fetched sealed for the run) or `env:` / `file:` (read here). */
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
  const interfaces = interfaceDefinitions(transformation?.['interfaces']);
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
    ...(interfaces === undefined ? {} : { interfaces }),
    ...(target === undefined ? {} : { target }),
    secrets: secrets(operation['secrets']),
    egress: { allow: strings(egress['allow'], 'allow'), deny: strings(egress['deny'], 'deny') },
    chunkRecords,
  };
}

const INTERFACE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

/** `{ <name>: { format: json-schema | xsd, schema, element? } }`; the schemas are read later. */
function interfaceDefinitions(value: unknown): Record<string, InterfaceDefinition> | undefined {
  if (value === undefined || value === null) return undefined;
  const definitions: Record<string, InterfaceDefinition> = {};
  for (const [name, entry] of Object.entries(
    object(value, 'operation.transformation.interfaces'),
  )) {
    const where = `operation.transformation.interfaces.${name}`;
    if (!INTERFACE_NAME.test(name)) fail(`${where}: an interface name is letters, digits, - and _`);
    const definition = object(entry, where);
    const { format, schema, element } = definition;
    for (const key of Object.keys(definition)) {
      if (key !== 'format' && key !== 'schema' && key !== 'element')
        fail(`${where}.${key} is not a field of an interface`);
    }
    if (element !== undefined && (typeof element !== 'string' || element === '')) {
      fail(`${where}.element must be the name of the record element`);
    }
    if (
      format === 'json-schema' &&
      typeof schema === 'object' &&
      schema !== null &&
      element === undefined
    ) {
      definitions[name] = { format, schema };
    } else if (format === 'xsd' && typeof schema === 'string') {
      definitions[name] = {
        format,
        schema,
        ...(element === undefined ? {} : { element: element as string }),
      };
    } else {
      fail(
        `${where} must be { format: json-schema, schema: <object> } or { format: xsd, schema: <text>, element? }`,
      );
    }
  }
  return definitions;
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
 * `[{ name, kind, reference }]`: what the connections reference by name (`{ secret: NAME }`) or
 * use in their strings (`${NAME}`, variables only). `env:` / `file:` are resolved here within the
 * operator's allow-lists; `vault:<id>` is fetched sealed for the run. A run message never carries
 * a value: JetStream keeps it on disk.
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
