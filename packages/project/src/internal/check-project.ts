// The whole check of a project document: shape, sizes, names, every reference, chains, variables,
// secrets, schedules and mappings. Every problem is collected; nothing stops at the first.
import type {
  ProjectApiEndpoint,
  ProjectConnection,
  ProjectDocument,
  ProjectInterface,
  ProjectNotification,
  ProjectOperation,
  ProjectSchedule,
  ProjectScript,
  ProjectSection,
  ProjectTransformation,
  ProjectVariable,
  ValidateProjectOptions,
} from '../types.js';
import { ITEM_NAME, descriptionAt, objectAt, sectionAt, type Fields } from './fields.js';
import { checkChains } from './graph.js';
import {
  readApiEndpoint,
  readConnection,
  readInterface,
  readNotification,
  readOperation,
  readSchedule,
  readScript,
  readTransformation,
  readVariable,
} from './items.js';
import { checkJsonData, cloneJson, setOwn } from './json.js';
import { buildInterface, checkMapping, type BuiltInterface } from './mappings.js';
import { child, describeType, item, quote, short, Problems } from './problems.js';
import { VARIABLE_NAME, checkConfig } from './references.js';

export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
export const PROJECT_NAME = ITEM_NAME;
// merged into mappings, whose script names are identifiers: no `-`
export const SCRIPT_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const ROOT_FIELDS = [
  'version',
  'name',
  'description',
  'variables',
  'connections',
  'interfaces',
  'transformations',
  'scripts',
  'operations',
  'schedules',
  'notifications',
  'apiEndpoints',
];

/** Names of items that exist but could not be read (a folder file that did not parse). */
export type Unreadable = ReadonlyMap<ProjectSection, ReadonlySet<string>>;

type Items<T> = Map<string, T | undefined>;

function readSection<T>(
  root: Fields,
  section: ProjectSection,
  read: (value: unknown, path: string) => T | undefined,
  problems: Problems,
  unreadable: Unreadable | undefined,
): Items<T> {
  const [name, rule] =
    section === 'variables'
      ? [VARIABLE_NAME, 'A-Z, 0-9 and _, not starting with a digit, at most 128']
      : section === 'scripts'
        ? [SCRIPT_NAME, 'a-z, 0-9 and _ (merged into mappings), starting with a letter, at most 63']
        : [ITEM_NAME, 'a-z, 0-9 and -, starting with a letter, at most 63'];
  const items: Items<T> = new Map();
  const { entries, skipped } = sectionAt(root[section], section, name, rule, problems);
  for (const [key, value] of entries) items.set(key, read(value, child(section, key)));
  for (const key of skipped) items.set(key, undefined);
  for (const key of unreadable?.get(section) ?? []) if (!items.has(key)) items.set(key, undefined);
  return items;
}

function referenceTo(
  items: ReadonlyMap<string, unknown>,
  name: string | undefined,
  path: string,
  what: string,
  problems: Problems,
): boolean {
  if (name === undefined) return false;
  if (items.has(name)) return true;
  problems.add(
    path,
    'unknown_reference',
    `names ${quote(name)}, which is not ${what} of this project`,
  );
  return false;
}

function defined<T>(items: Items<T>): Record<string, T> {
  const result: Record<string, T> = {};
  for (const [name, value] of items) if (value !== undefined) setOwn(result, name, value);
  return result;
}

interface Sections {
  variables: Items<ProjectVariable>;
  connections: Items<ProjectConnection>;
  interfaces: Items<ProjectInterface>;
  transformations: Items<ProjectTransformation>;
  scripts: Items<ProjectScript>;
  operations: Items<ProjectOperation>;
  schedules: Items<ProjectSchedule>;
  notifications: Items<ProjectNotification>;
  apiEndpoints: Items<ProjectApiEndpoint>;
}

function checkReferences(
  sections: Sections,
  options: ValidateProjectOptions,
  problems: Problems,
): void {
  const { variables, connections, interfaces, transformations, operations } = sections;
  for (const [name, connection] of connections)
    if (connection?.config)
      checkConfig(
        connection.config,
        child(child('connections', name), 'config'),
        variables,
        problems,
      );

  const built = new Map<string, BuiltInterface>();
  for (const [name, definition] of interfaces)
    built.set(
      name,
      definition
        ? buildInterface(definition, child('interfaces', name), options.files, problems)
        : { state: 'invalid' },
    );

  for (const [name, transformation] of transformations) {
    if (!transformation) continue;
    const path = child('transformations', name);
    let compilable = true;
    for (const end of ['source', 'target'] as const) {
      const ref = transformation[end];
      if (ref === undefined) continue;
      if (!referenceTo(interfaces, ref, child(path, end), 'an interface', problems))
        compilable = false;
      else if (built.get(ref)?.state === 'invalid') compilable = false; // reported with the interface
    }
    if (compilable) checkMapping(transformation, path, built, defined(sections.scripts), problems);
  }

  for (const [name, operation] of operations) {
    if (!operation) continue;
    const path = child('operations', name);
    for (const end of ['source', 'target'] as const) {
      const step = operation[end];
      if (!step) continue;
      referenceTo(
        connections,
        step.connection,
        child(child(path, end), 'connection'),
        'a connection',
        problems,
      );
      if (step.config)
        checkConfig(step.config, child(child(path, end), 'config'), variables, problems);
    }
    referenceTo(
      transformations,
      operation.transformation,
      child(path, 'transformation'),
      'a transformation',
      problems,
    );
    for (const list of ['onSuccess', 'onFailure'] as const)
      operation[list]?.forEach((next, index) =>
        referenceTo(operations, next, item(child(path, list), index), 'an operation', problems),
      );
  }
  checkChains(operations, problems);

  for (const [name, schedule] of sections.schedules)
    referenceTo(
      operations,
      schedule?.operation,
      child(child('schedules', name), 'operation'),
      'an operation',
      problems,
    );
  for (const [name, notification] of sections.notifications)
    notification?.operations?.forEach((operation, index) =>
      referenceTo(
        operations,
        operation,
        item(child(child('notifications', name), 'operations'), index),
        'an operation',
        problems,
      ),
    );
  const routes = new Map<string, string>();
  for (const [name, endpoint] of sections.apiEndpoints) {
    if (!endpoint) continue;
    const path = child('apiEndpoints', name);
    referenceTo(operations, endpoint.operation, child(path, 'operation'), 'an operation', problems);
    const route = `${endpoint.method} ${endpoint.path.replace(/\/$/, '').toLowerCase() || '/'}`;
    const other = routes.get(route);
    if (other !== undefined)
      problems.add(
        child(path, 'path'),
        'duplicate',
        `${endpoint.method} ${endpoint.path} is already the route of ${short(other)}`,
      );
    else routes.set(route, name);
  }
}

/**
 * Checks `value` as a project document; returns it normalised (every section present, nulls left
 * out) when nothing is wrong, otherwise undefined with every problem in `problems`.
 */
export function checkProject(
  value: unknown,
  options: ValidateProjectOptions,
  problems: Problems,
  unreadable?: Unreadable,
): ProjectDocument | undefined {
  const data = checkJsonData(value);
  if (data) {
    problems.add(data.path, data.kind === 'too_large' ? 'too_large' : 'invalid_type', data.message);
    return undefined;
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  // past the limit nothing else is looked at: the work a document can cause stays bounded
  if (bytes > MAX_DOCUMENT_BYTES) {
    problems.add(
      '',
      'too_large',
      `is ${bytes} bytes as JSON; at most ${MAX_DOCUMENT_BYTES} are allowed`,
    );
    return undefined;
  }
  const root = objectAt(cloneJson(value), '', ROOT_FIELDS, problems);
  if (!root) return undefined;
  if (root['version'] === undefined || root['version'] === null)
    problems.add('version', 'required', 'is required (1)');
  else if (root['version'] !== 1) problems.add('version', 'invalid_value', 'must be 1');
  const name = root['name'];
  if (name === undefined || name === null) problems.add('name', 'required', 'is required');
  else if (typeof name !== 'string')
    problems.add('name', 'invalid_type', `must be a string, not ${describeType(name)}`);
  else if (!PROJECT_NAME.test(name))
    problems.add(
      'name',
      'invalid_name',
      `${quote(name)} is not a valid name: a-z, 0-9 and -, starting with a letter, at most 63`,
    );
  const description = descriptionAt(root, '', problems);

  const read = <T>(
    section: ProjectSection,
    reader: (value: unknown, path: string) => T | undefined,
  ): Items<T> => readSection(root, section, reader, problems, unreadable);
  const sections: Sections = {
    variables: read('variables', (v, p) => readVariable(v, p, problems)),
    connections: read('connections', (v, p) =>
      readConnection(v, p, problems, options.connectorTypes),
    ),
    interfaces: read('interfaces', (v, p) => readInterface(v, p, problems)),
    transformations: read('transformations', (v, p) => readTransformation(v, p, problems)),
    scripts: read('scripts', (v, p) => readScript(v, p, problems)),
    operations: read('operations', (v, p) => readOperation(v, p, problems)),
    schedules: read('schedules', (v, p) => readSchedule(v, p, problems)),
    notifications: read('notifications', (v, p) => readNotification(v, p, problems)),
    apiEndpoints: read('apiEndpoints', (v, p) => readApiEndpoint(v, p, problems)),
  };
  checkReferences(sections, options, problems);
  if (problems.size > 0) return undefined;
  return {
    version: 1,
    name: name as string,
    ...(description === undefined ? {} : { description }),
    variables: defined(sections.variables),
    connections: defined(sections.connections),
    interfaces: defined(sections.interfaces),
    transformations: defined(sections.transformations),
    scripts: defined(sections.scripts),
    operations: defined(sections.operations),
    schedules: defined(sections.schedules),
    notifications: defined(sections.notifications),
    apiEndpoints: defined(sections.apiEndpoints),
  };
}
