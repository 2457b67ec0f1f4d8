// One reader per kind of named item: shape, types, sizes, unknown fields. References between
// items are resolved afterwards (validate.ts), once every item is known.
import type {
  ApiMethod,
  InterfaceFormat,
  NotificationEvent,
  OperationStep,
  ProjectApiEndpoint,
  ProjectConnection,
  ProjectInterface,
  ProjectNotification,
  ProjectOperation,
  ProjectSchedule,
  ProjectScript,
  ProjectTransformation,
  ProjectVariable,
  VariableKind,
} from '../types.js';
import { cronProblem } from './cron.js';
import {
  booleanAt,
  descriptionAt,
  integerAt,
  objectAt,
  oneOfAt,
  stringAt,
  stringListAt,
  type Fields,
} from './fields.js';
import { isPlainObject } from './json.js';
import { child, describeType, type Problems } from './problems.js';
import { isTimeZone } from './timezone.js';

// as the control plane's run check: `http`, or `vendor.name` for a plugin's connector
export const CONNECTOR_TYPE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)?$/;
export const FILE_REFERENCE = /^sha256:[0-9a-f]{64}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const API_PATH = /^(\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))+\/?$|^\/$/;
const MAX_XSD_ELEMENT = 200;

function without<T extends object>(value: T): T {
  for (const key of Object.keys(value))
    if ((value as Record<string, unknown>)[key] === undefined)
      delete (value as Record<string, unknown>)[key];
  return value;
}

/** A JSON object field (`config`, `mapping`): any content, checked elsewhere. */
function jsonObjectAt(
  fields: Fields,
  key: string,
  path: string,
  problems: Problems,
  required: boolean,
) {
  const value = fields[key];
  if (value === undefined || value === null) {
    if (required) problems.add(child(path, key), 'required', 'is required');
    return undefined;
  }
  if (isPlainObject(value)) return value as NonNullable<ProjectConnection['config']>;
  problems.add(child(path, key), 'invalid_type', `must be an object, not ${describeType(value)}`);
  return undefined;
}

export function readVariable(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectVariable | undefined {
  const fields = objectAt(value, path, ['kind', 'description'], problems);
  if (!fields) return undefined;
  const kind = oneOfAt<VariableKind>(fields, 'kind', path, ['variable', 'credential'], problems);
  const description = descriptionAt(fields, path, problems);
  return kind && without({ kind, description });
}

export function readConnection(
  value: unknown,
  path: string,
  problems: Problems,
  connectorTypes: readonly string[] | undefined,
): ProjectConnection | undefined {
  const fields = objectAt(value, path, ['connector', 'config', 'description'], problems);
  if (!fields) return undefined;
  const connector = stringAt(fields, 'connector', path, problems, {
    required: true,
    max: 100,
    pattern: CONNECTOR_TYPE,
    patternMessage: 'is not a connector type (`s3`, or `vendor.name` for a plugin)',
  });
  if (connector !== undefined && connectorTypes && !connectorTypes.includes(connector))
    problems.add(
      child(path, 'connector'),
      'unknown_connector',
      `${connector} is not a connector this installation has`,
    );
  const config = jsonObjectAt(fields, 'config', path, problems, false);
  const description = descriptionAt(fields, path, problems);
  return connector === undefined ? undefined : without({ connector, config, description });
}

export function readInterface(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectInterface | undefined {
  const fields = objectAt(value, path, ['format', 'schema', 'file', 'element'], problems);
  if (!fields) return undefined;
  const format = oneOfAt<InterfaceFormat>(fields, 'format', path, ['json-schema', 'xsd'], problems);
  const file = stringAt(fields, 'file', path, problems, {
    pattern: FILE_REFERENCE,
    patternMessage: 'must be sha256:<64 lowercase hex digits>, a file of the file service',
  });
  const hasSchema = fields['schema'] !== undefined && fields['schema'] !== null;
  const hasFile = fields['file'] !== undefined && fields['file'] !== null;
  let schema: ProjectInterface['schema'];
  if (hasSchema && hasFile)
    problems.add(child(path, 'file'), 'invalid_value', 'and schema cannot both be given');
  else if (!hasSchema && !hasFile)
    problems.add(child(path, 'schema'), 'required', 'is required (or file: sha256:<hex>)');
  else if (hasSchema && format === 'json-schema')
    schema = jsonObjectAt(fields, 'schema', path, problems, true);
  else if (hasSchema && format === 'xsd') schema = stringAt(fields, 'schema', path, problems);
  let element: string | undefined;
  if (format === 'xsd')
    element = stringAt(fields, 'element', path, problems, { required: true, max: MAX_XSD_ELEMENT });
  else if (
    format === 'json-schema' &&
    fields['element'] !== undefined &&
    fields['element'] !== null
  )
    problems.add(child(path, 'element'), 'invalid_value', 'is for xsd interfaces only');
  if (format === undefined || (schema === undefined && file === undefined)) return undefined;
  if (format === 'xsd' && element === undefined) return undefined;
  return without({ format, schema, file, element });
}

export function readTransformation(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectTransformation | undefined {
  const fields = objectAt(value, path, ['source', 'target', 'mapping', 'description'], problems);
  if (!fields) return undefined;
  const source = stringAt(fields, 'source', path, problems);
  const target = stringAt(fields, 'target', path, problems);
  const mapping = jsonObjectAt(fields, 'mapping', path, problems, true);
  const description = descriptionAt(fields, path, problems);
  return mapping && without({ source, target, mapping, description });
}

export function readScript(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectScript | undefined {
  const fields = objectAt(value, path, ['language', 'source'], problems);
  if (!fields) return undefined;
  const language = oneOfAt(fields, 'language', path, ['javascript'] as const, problems);
  const source = stringAt(fields, 'source', path, problems, { required: true });
  return language && source !== undefined ? { language, source } : undefined;
}

function readStep(value: unknown, path: string, problems: Problems): OperationStep | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = objectAt(value, path, ['connection', 'config'], problems);
  if (!fields) return undefined;
  const connection = stringAt(fields, 'connection', path, problems, { required: true });
  const config = jsonObjectAt(fields, 'config', path, problems, false);
  return connection === undefined ? undefined : without({ connection, config });
}

export function readOperation(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectOperation | undefined {
  const fields = objectAt(
    value,
    path,
    [
      'source',
      'transformation',
      'target',
      'onSuccess',
      'onFailure',
      'maxAttempts',
      'chunkRecords',
      'description',
    ],
    problems,
  );
  if (!fields) return undefined;
  return without({
    source: readStep(fields['source'], child(path, 'source'), problems),
    transformation: stringAt(fields, 'transformation', path, problems),
    target: readStep(fields['target'], child(path, 'target'), problems),
    onSuccess: stringListAt(fields, 'onSuccess', path, problems),
    onFailure: stringListAt(fields, 'onFailure', path, problems),
    maxAttempts: integerAt(fields, 'maxAttempts', path, { min: 1, max: 20 }, problems),
    chunkRecords: integerAt(fields, 'chunkRecords', path, { min: 1, max: 100_000 }, problems),
    description: descriptionAt(fields, path, problems),
  });
}

export function readSchedule(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectSchedule | undefined {
  const fields = objectAt(
    value,
    path,
    ['operation', 'cron', 'timezone', 'enabled', 'description'],
    problems,
  );
  if (!fields) return undefined;
  const operation = stringAt(fields, 'operation', path, problems, { required: true });
  let cron = stringAt(fields, 'cron', path, problems, { required: true });
  const cronMessage = cron === undefined ? undefined : cronProblem(cron);
  if (cronMessage !== undefined) {
    problems.add(child(path, 'cron'), 'invalid_cron', cronMessage);
    cron = undefined;
  }
  let timezone = stringAt(fields, 'timezone', path, problems);
  if (timezone !== undefined && !isTimeZone(timezone)) {
    problems.add(
      child(path, 'timezone'),
      'invalid_timezone',
      'is not an IANA time zone name such as UTC or Europe/Paris',
    );
    timezone = undefined;
  }
  const enabled = booleanAt(fields, 'enabled', path, problems);
  const description = descriptionAt(fields, path, problems);
  if (operation === undefined || cron === undefined) return undefined;
  return without({ operation, cron, timezone, enabled, description });
}

export function readNotification(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectNotification | undefined {
  const fields = objectAt(value, path, ['on', 'operations', 'email', 'description'], problems);
  if (!fields) return undefined;
  const events: readonly NotificationEvent[] = ['succeeded', 'failed', 'cancelled'];
  const on = stringListAt(fields, 'on', path, problems, {
    required: true,
    each: (event, at) => {
      if ((events as readonly string[]).includes(event)) return true;
      problems.add(at, 'invalid_value', `must be one of ${events.join(', ')}`);
      return false;
    },
  }) as NotificationEvent[] | undefined;
  const operations = stringListAt(fields, 'operations', path, problems);
  const email = stringListAt(fields, 'email', path, problems, {
    required: true,
    max: 50,
    each: (address, at) => {
      if (address.length <= 254 && EMAIL.test(address)) return true;
      problems.add(at, 'invalid_value', 'is not an email address');
      return false;
    },
  });
  const description = descriptionAt(fields, path, problems);
  if (on === undefined || email === undefined) return undefined;
  return without({ on, operations, email, description });
}

export function readApiEndpoint(
  value: unknown,
  path: string,
  problems: Problems,
): ProjectApiEndpoint | undefined {
  const fields = objectAt(value, path, ['method', 'path', 'operation', 'description'], problems);
  if (!fields) return undefined;
  const method = oneOfAt<ApiMethod>(
    fields,
    'method',
    path,
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    problems,
  );
  const endpointPath = stringAt(fields, 'path', path, problems, {
    required: true,
    max: 200,
    pattern: API_PATH,
    patternMessage: 'must be a path such as /orders or /orders/{id}',
  });
  const operation = stringAt(fields, 'operation', path, problems, { required: true });
  const description = descriptionAt(fields, path, problems);
  if (method === undefined || endpointPath === undefined || operation === undefined)
    return undefined;
  return without({ method, path: endpointPath, operation, description });
}
