// The folder layout of a project (what `weft project push <folder>` reads) and the key order
// items are written in, so exported files read the same whatever order the stored JSON has.
import type { ProjectSection } from '../types.js';
import { setOwn } from './json.js';

export const ROOT_FILE = 'weft-project.yaml';
export const ROOT_FIELDS = ['version', 'name', 'description', 'variables'] as const;

/** Folder → section. Scripts and interfaces have file kinds of their own (see fileKind). */
export const FOLDERS: Readonly<Record<string, Exclude<ProjectSection, 'variables'>>> = {
  connections: 'connections',
  interfaces: 'interfaces',
  transformations: 'transformations',
  scripts: 'scripts',
  operations: 'operations',
  schedules: 'schedules',
  notifications: 'notifications',
  'api-endpoints': 'apiEndpoints',
};

export const FOLDER_OF: Readonly<Record<Exclude<ProjectSection, 'variables'>, string>> = {
  connections: 'connections',
  interfaces: 'interfaces',
  transformations: 'transformations',
  scripts: 'scripts',
  operations: 'operations',
  schedules: 'schedules',
  notifications: 'notifications',
  apiEndpoints: 'api-endpoints',
};

export type FileKind = 'yaml' | 'javascript' | 'json-schema' | 'xsd';

/** The item name and kind of a file in a section folder, or undefined when the folder takes no such file. */
export function fileKind(
  section: Exclude<ProjectSection, 'variables'>,
  file: string,
): { name: string; kind: FileKind } | undefined {
  const match = (suffix: string, kind: FileKind) =>
    file.endsWith(suffix) && file.length > suffix.length
      ? { name: file.slice(0, -suffix.length), kind }
      : undefined;
  if (section === 'scripts') return match('.js', 'javascript');
  const yaml = match('.yaml', 'yaml') ?? match('.yml', 'yaml');
  if (section !== 'interfaces') return yaml;
  return match('.schema.json', 'json-schema') ?? match('.xsd', 'xsd') ?? yaml;
}

export function expectedFiles(section: Exclude<ProjectSection, 'variables'>): string {
  if (section === 'scripts') return '<name>.js';
  if (section === 'interfaces') return '<name>.yaml, <name>.schema.json or <name>.xsd';
  return '<name>.yaml';
}

/** Key order of each kind of item when written out; keys not listed follow in their own order. */
export const KEY_ORDER: Readonly<Record<ProjectSection, readonly string[]>> = {
  variables: ['kind', 'description'],
  connections: ['connector', 'description', 'config'],
  interfaces: ['format', 'element', 'file', 'schema'],
  transformations: ['description', 'source', 'target', 'mapping'],
  scripts: ['language', 'source'],
  operations: [
    'description',
    'source',
    'transformation',
    'target',
    'onSuccess',
    'onFailure',
    'maxAttempts',
    'chunkRecords',
  ],
  schedules: ['description', 'operation', 'cron', 'timezone', 'enabled'],
  notifications: ['description', 'on', 'operations', 'email'],
  apiEndpoints: ['description', 'method', 'path', 'operation'],
};

export function ordered(value: object, order: readonly string[]): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  const keys = [
    ...order.filter((key) => Object.hasOwn(source, key)),
    ...Object.keys(source).filter((key) => !order.includes(key)),
  ];
  for (const key of keys) if (source[key] !== undefined) setOwn(result, key, source[key]);
  return result;
}
