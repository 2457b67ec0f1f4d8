import { ProjectError } from './errors.js';
import { cloneJson, deepMerge, isPlainObject, setOwn } from './internal/json.js';
import { interfaceSchema, withProjectScripts } from './internal/mappings.js';
import { quote } from './internal/problems.js';
import { scanConfig } from './internal/references.js';
import type {
  CompiledOperation,
  CompileOperationOptions,
  InlineInterface,
  JsonObject,
  OperationConnectorStep,
  OperationDocument,
  OperationStep,
  OperationVariable,
  ProjectDocument,
} from './types.js';

// tolerant of a stored document written before a section existed
function own<T>(items: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return items !== undefined && Object.hasOwn(items, name) ? items[name] : undefined;
}

function broken(message: string): ProjectError {
  return new ProjectError('invalid_project', message);
}

function connectorStep(
  document: ProjectDocument,
  step: OperationStep,
  end: string,
): OperationConnectorStep {
  const connection = own(document.connections, step.connection);
  if (!connection)
    throw broken(
      `${end}.connection names ${quote(step.connection)}, which the project does not have`,
    );
  return {
    connector: connection.connector,
    config: deepMerge(connection.config ?? {}, step.config ?? {}),
  };
}

/** Names of project interfaces the transformation and its mapping refer to. */
function interfaceNames(
  mapping: JsonObject,
  source: string | undefined,
  target: string | undefined,
): string[] {
  const names = new Set<string>();
  for (const name of [source, target]) if (name !== undefined) names.add(name);
  for (const end of ['source', 'target']) {
    const part = mapping[end];
    const ref = isPlainObject(part) ? part['interface'] : undefined;
    if (typeof ref === 'string') names.add(ref);
  }
  return [...names].sort();
}

function transformationOf(
  document: ProjectDocument,
  name: string,
  files: ReadonlyMap<string, string> | undefined,
): NonNullable<OperationDocument['transformation']> {
  const transformation = own(document.transformations, name);
  if (!transformation)
    throw broken(`transformation names ${quote(name)}, which the project does not have`);
  const mapping = withProjectScripts(cloneJson(transformation.mapping), document.scripts ?? {});
  // the transformation's interfaces stand in for the mapping's own, as they did when it was validated
  for (const end of ['source', 'target'] as const) {
    const ref = transformation[end];
    if (ref === undefined) continue;
    const part = mapping[end];
    mapping[end] = { ...(isPlainObject(part) ? part : {}), interface: ref };
  }
  const interfaces: Record<string, InlineInterface> = {};
  for (const interfaceName of interfaceNames(
    mapping,
    transformation.source,
    transformation.target,
  )) {
    const definition = own(document.interfaces, interfaceName);
    if (!definition) continue; // a name the mapping gives an interface of its own: compileMapping's business
    const found = interfaceSchema(definition, files);
    if ('missing' in found)
      throw new ProjectError(
        'file_missing',
        `interface ${interfaceName} is in file ${definition.file ?? ''}, whose content was not given`,
      );
    if ('unreadable' in found) throw broken(`interface ${interfaceName}: ${found.unreadable}`);
    setOwn(interfaces, interfaceName, {
      format: definition.format,
      schema: found.schema,
      ...(definition.element === undefined ? {} : { element: definition.element }),
    });
  }
  return Object.keys(interfaces).length === 0 ? { mapping } : { mapping, interfaces };
}

function variablesOf(
  document: ProjectDocument,
  steps: readonly (OperationConnectorStep | undefined)[],
): OperationVariable[] {
  const names = new Set<string>();
  for (const step of steps)
    if (step) for (const use of scanConfig(step.config, '').uses) names.add(use.name);
  return [...names].sort().map((name) => {
    const variable = own(document.variables, name);
    if (!variable)
      throw broken(`the operation uses ${quote(name)}, which is not a declared variable`);
    return { name, kind: variable.kind };
  });
}

/**
 * The agent's operation for `operationName` of a validated project: connection configs merged
 * with the step configs (`${NAME}` and `{ secret: NAME }` left in place), the mapping with the
 * project's scripts and the interfaces it names inlined, and the variables the configs use.
 * Throws ProjectError `operation_not_found`, `file_missing` (a `file:` interface without its
 * content in `options.files`) or `invalid_project` (a reference that does not resolve).
 */
export function compileOperation(
  document: ProjectDocument,
  operationName: string,
  options: CompileOperationOptions = {},
): CompiledOperation {
  const operation = own(document.operations, operationName);
  if (!operation)
    throw new ProjectError(
      'operation_not_found',
      `the project has no operation ${quote(operationName)}`,
    );
  const source = operation.source && connectorStep(document, operation.source, 'source');
  const target = operation.target && connectorStep(document, operation.target, 'target');
  const transformation =
    operation.transformation === undefined
      ? undefined
      : transformationOf(document, operation.transformation, options.files);
  const compiled: OperationDocument = {
    version: 1,
    ...(source ? { source } : {}),
    ...(transformation ? { transformation } : {}),
    ...(target ? { target } : {}),
    ...(operation.chunkRecords === undefined ? {} : { chunkRecords: operation.chunkRecords }),
  };
  return {
    operation: compiled,
    variables: variablesOf(document, [source, target]),
    ...(operation.maxAttempts === undefined ? {} : { maxAttempts: operation.maxAttempts }),
  };
}
