// Builds the project's interfaces with @weft/transform and compiles every mapping against them,
// so a project is accepted only when each of its transformations would compile on an agent.
import {
  compileMapping,
  jsonSchemaInterface,
  MappingError,
  parseXsd,
  TransformError,
  xmlInterface,
  type RecordInterface,
  type ScriptRunner,
} from '@weft/transform';
import type {
  JsonObject,
  ProjectInterface,
  ProjectScript,
  ProjectTransformation,
} from '../types.js';
import { isPlainObject, setOwn } from './json.js';
import { child, join, type Problems } from './problems.js';

const MAX_MESSAGE = 300;

export type BuiltInterface =
  | { readonly state: 'built'; readonly value: RecordInterface }
  /** A `file:` interface whose content was not given: compiled against as an open record. */
  | { readonly state: 'unavailable'; readonly value: RecordInterface }
  | { readonly state: 'invalid' };

function cut(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

function describe(error: unknown): string {
  if (TransformError.is(error)) return cut(error.message);
  return 'cannot be read';
}

/** The schema of an interface: inline, or a `file:` whose text is in `files` (sha256 hex → text). */
export function interfaceSchema(
  definition: ProjectInterface,
  files: ReadonlyMap<string, string> | undefined,
): { schema: JsonObject | string } | { missing: true } | { unreadable: string } {
  if (definition.schema !== undefined) return { schema: definition.schema };
  const sha = (definition.file ?? '').replace(/^sha256:/, '');
  const text = files?.get(sha);
  if (text === undefined) return { missing: true };
  if (definition.format === 'xsd') return { schema: text };
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return { schema: parsed as JsonObject };
    return { unreadable: 'the file is not a JSON object' };
  } catch {
    return { unreadable: 'the file is not valid JSON' };
  }
}

export function buildInterface(
  definition: ProjectInterface,
  path: string,
  files: ReadonlyMap<string, string> | undefined,
  problems: Problems,
): BuiltInterface {
  const found = interfaceSchema(definition, files);
  const schemaPath = child(path, definition.schema === undefined ? 'file' : 'schema');
  if ('missing' in found) {
    if (files !== undefined) {
      problems.add(schemaPath, 'unknown_reference', 'names a file the file service does not have');
      return { state: 'invalid' };
    }
    const format = definition.format === 'xsd' ? 'xml' : 'json';
    return { state: 'unavailable', value: { format, fields: [], closed: false } };
  }
  if ('unreadable' in found) {
    problems.add(schemaPath, 'interface_invalid', found.unreadable);
    return { state: 'invalid' };
  }
  try {
    const value =
      definition.format === 'xsd'
        ? xmlInterface(parseXsd(found.schema as string), definition.element ?? '')
        : jsonSchemaInterface(found.schema as JsonObject);
    return { state: 'built', value };
  } catch (error) {
    problems.add(schemaPath, 'interface_invalid', describe(error));
    return { state: 'invalid' };
  }
}

/** The mapping with the project's scripts merged under its own (the mapping's win). */
export function withProjectScripts(
  mapping: JsonObject,
  scripts: Readonly<Record<string, ProjectScript>>,
): JsonObject {
  const names = Object.keys(scripts);
  const own = mapping['scripts'];
  if (names.length === 0 || (own !== undefined && !isPlainObject(own))) return mapping;
  const merged: JsonObject = {};
  for (const name of names) {
    const script = scripts[name];
    if (script) setOwn(merged, name, { language: script.language, source: script.source });
  }
  for (const [name, script] of Object.entries(own ?? {})) setOwn(merged, name, script);
  return { ...mapping, scripts: merged };
}

// Compiling never runs a script; the sandbox is the agent's. A runner is still required by
// compileMapping when the mapping declares scripts.
const NO_SCRIPTS: ScriptRunner = {
  run() {
    throw new Error('scripts do not run while a project is validated');
  },
};

/** Reports every problem compileMapping finds, under the transformation's `mapping` path. */
export function checkMapping(
  transformation: ProjectTransformation,
  path: string,
  interfaces: ReadonlyMap<string, BuiltInterface>,
  scripts: Readonly<Record<string, ProjectScript>>,
  problems: Problems,
): void {
  const usable: Record<string, RecordInterface> = {};
  for (const [name, built] of interfaces)
    if (built.state !== 'invalid') setOwn(usable, name, built.value);
  const named = (name: string | undefined): RecordInterface | undefined =>
    name === undefined ? undefined : usable[name];
  const mappingPath = child(path, 'mapping');
  try {
    compileMapping(withProjectScripts(transformation.mapping, scripts), {
      sourceInterface: named(transformation.source),
      targetInterface: named(transformation.target),
      interfaces: usable,
      scriptRunner: NO_SCRIPTS,
    });
  } catch (error) {
    if (MappingError.is(error) && error.problems.length > 0) {
      for (const problem of error.problems)
        problems.add(join(mappingPath, problem.path), 'mapping_invalid', cut(problem.message));
    } else {
      problems.add(
        mappingPath,
        'mapping_invalid',
        MappingError.is(error) ? cut(error.message) : 'does not compile',
      );
    }
  }
}
