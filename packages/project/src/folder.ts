import { projectError } from './errors.js';
import { checkProject, type Unreadable } from './internal/check-project.js';
import { isPlainObject, setOwn } from './internal/json.js';
import {
  FOLDER_OF,
  FOLDERS,
  KEY_ORDER,
  ROOT_FIELDS,
  ROOT_FILE,
  expectedFiles,
  fileKind,
  ordered,
  type FileKind,
} from './internal/layout.js';
import { Problems, describeType, item, short } from './internal/problems.js';
import { parseYamlFile, toYaml } from './internal/yaml.js';
import {
  PROJECT_SECTIONS,
  type ProjectDocument,
  type ProjectFile,
  type ProjectSection,
  type ValidateProjectOptions,
} from './types.js';

type ItemSection = Exclude<ProjectSection, 'variables'>;

const MAX_FILES = 5_000;
const MAX_FILE_CHARACTERS = 2 * 1024 * 1024;
const MAX_PATH_SHOWN = 200;

interface Part {
  readonly path: string;
  readonly kind: FileKind;
  readonly content: string;
}

function shownPath(path: string): string {
  return path.length > MAX_PATH_SHOWN ? `${path.slice(0, MAX_PATH_SHOWN - 1)}…` : path;
}

/** Hidden files (`.git/…`, `.DS_Store`) and a README at the top are not part of the project. */
function ignored(segments: readonly string[]): boolean {
  return (
    segments.some((segment) => segment.startsWith('.')) ||
    (segments.length === 1 && /^readme(\.md|\.txt)?$/i.test(segments[0] ?? ''))
  );
}

function parseJsonFile(part: Part, problems: Problems): unknown {
  try {
    return JSON.parse(part.content) as unknown;
  } catch (error) {
    // the engine's message may quote the file: only the position is kept
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    problems.add(
      part.path,
      'invalid_json',
      `is not valid JSON${position ? ` (at character ${position})` : ''}`,
    );
    return undefined;
  }
}

/** The data of one item file, or undefined (reported). */
function readPart(part: Part, problems: Problems): unknown {
  if (part.kind === 'yaml') return parseYamlFile(part.content, part.path, problems);
  if (part.kind === 'json-schema') return parseJsonFile(part, problems);
  return part.content;
}

/** An interface from its files: a `.yaml`, a `.schema.json` or `.xsd`, or a `.yaml` naming the format and element beside a schema file. */
function assembleInterface(
  parts: readonly Part[],
  problems: Problems,
): { value: unknown } | undefined {
  const yaml = parts.find((part) => part.kind === 'yaml');
  const schemas = parts.filter((part) => part.kind !== 'yaml');
  const [schemaFile, extra] = schemas;
  if (extra) {
    problems.add(
      extra.path,
      'duplicate',
      `gives the schema of an interface ${schemaFile?.path ?? ''} already gives`,
    );
    return undefined;
  }
  const described = yaml === undefined ? {} : readPart(yaml, problems);
  const schema = schemaFile === undefined ? undefined : readPart(schemaFile, problems);
  if (described === undefined || (schemaFile !== undefined && schema === undefined))
    return undefined;
  if (schemaFile === undefined) return { value: described };
  const format = schemaFile.kind === 'xsd' ? 'xsd' : 'json-schema';
  if (!isPlainObject(described)) return { value: described }; // reported by validation
  if (described['schema'] !== undefined || described['file'] !== undefined) {
    problems.add(
      schemaFile.path,
      'duplicate',
      `gives the schema ${yaml?.path ?? ''} already gives`,
    );
    return undefined;
  }
  if (described['format'] !== undefined && described['format'] !== format) {
    problems.add(
      schemaFile.path,
      'invalid_value',
      `is a ${format} schema but ${yaml?.path ?? ''} says another format`,
    );
    return undefined;
  }
  return { value: { ...described, format, schema } };
}

interface Layout {
  root?: Part;
  readonly parts: Map<ItemSection, Map<string, Part[]>>;
}

/** Sorts the files into the layout: the project file, and each section's item files by name. */
function layoutOf(files: readonly ProjectFile[], problems: Problems): Layout {
  const layout: Layout = { parts: new Map() };
  files.forEach((file, index) => {
    if (typeof file?.path !== 'string' || typeof file.content !== 'string') {
      problems.add(item('files', index), 'invalid_type', 'must be { path, content } with strings');
      return;
    }
    const path = file.path.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
    const segments = path.split('/');
    if (path.startsWith('/') || segments.some((segment) => segment === '' || segment === '..')) {
      problems.add(shownPath(path), 'unknown_file', 'is not a path inside the project folder');
      return;
    }
    if (ignored(segments)) return;
    if (file.content.length > MAX_FILE_CHARACTERS) {
      problems.add(
        shownPath(path),
        'too_large',
        `is ${file.content.length} characters; at most ${MAX_FILE_CHARACTERS} are read`,
      );
      return;
    }
    const [folder = '', fileName = ''] = segments;
    if (segments.length === 1 && (folder === ROOT_FILE || folder === 'weft-project.yml')) {
      if (layout.root)
        problems.add(path, 'duplicate', `${layout.root.path} is the project file already`);
      else layout.root = { path, kind: 'yaml', content: file.content };
      return;
    }
    const section = Object.hasOwn(FOLDERS, folder) ? FOLDERS[folder] : undefined;
    const found = section && segments.length === 2 ? fileKind(section, fileName) : undefined;
    if (!section || !found) {
      problems.add(
        shownPath(path),
        'unknown_file',
        section && segments.length === 2
          ? `is not a file ${folder}/ takes (${expectedFiles(section)})`
          : `is not part of the project layout (${ROOT_FILE}, ${Object.keys(FOLDERS).join('/, ')}/)`,
      );
      return;
    }
    const byName = layout.parts.get(section) ?? new Map<string, Part[]>();
    layout.parts.set(section, byName);
    const same = byName.get(found.name) ?? [];
    const clash = same.find((part) => part.kind === found.kind);
    if (clash) {
      problems.add(
        shownPath(path),
        'duplicate',
        `defines ${short(found.name)} again (${shownPath(clash.path)})`,
      );
      return;
    }
    byName.set(found.name, [...same, { path, kind: found.kind, content: file.content }]);
  });
  return layout;
}

/** The fields of weft-project.yaml, or undefined (reported) when it is missing or unreadable. */
function readProjectFile(
  root: Part | undefined,
  problems: Problems,
): Record<string, unknown> | undefined {
  if (!root) {
    problems.add(
      ROOT_FILE,
      'required',
      'is required: it names the project (version, name, description, variables)',
    );
    return undefined;
  }
  const data = parseYamlFile(root.content, root.path, problems);
  if (data === undefined) return undefined;
  const fields: Record<string, unknown> = {};
  if (!isPlainObject(data)) {
    problems.add(root.path, 'invalid_type', `must be an object, not ${describeType(data)}`);
    return fields;
  }
  for (const [key, value] of Object.entries(data)) {
    if ((ROOT_FIELDS as readonly string[]).includes(key)) setOwn(fields, key, value);
    else
      problems.add(
        root.path,
        'unknown_field',
        Object.hasOwn(FOLDER_OF, key)
          ? `${key} is not a field of this file: each item is a file in ${FOLDER_OF[key as ItemSection]}/`
          : `${short(key)} is not a field of this file (${ROOT_FIELDS.join(', ')})`,
      );
  }
  return fields;
}

/**
 * Reads a project folder (paths relative to it, `/` separators; the caller does the I/O) into a
 * validated document. Throws ProjectError `invalid_project` listing every problem: of the files
 * (path = the file) and of the document they make (document paths).
 */
export function parseProjectFolder(
  files: readonly ProjectFile[],
  options: ValidateProjectOptions = {},
): ProjectDocument {
  const problems = new Problems();
  if (!Array.isArray(files as unknown)) {
    problems.add('', 'invalid_type', 'must be a list of { path, content }');
    throw projectError('invalid_project', 'project folder', problems.list);
  }
  if (files.length > MAX_FILES) {
    problems.add('', 'too_large', `has ${files.length} files; at most ${MAX_FILES} are read`);
    throw projectError('invalid_project', 'project folder', problems.list);
  }
  const layout = layoutOf(files, problems);
  const document = readProjectFile(layout.root, problems);
  const unreadable = new Map<ProjectSection, Set<string>>();
  const sections: Record<string, unknown> = {};
  for (const section of PROJECT_SECTIONS) {
    if (section === 'variables') continue;
    const items: Record<string, unknown> = {};
    // sorted: the document does not depend on the order the files were listed in
    const named = [...(layout.parts.get(section) ?? [])].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [name, itemParts] of named) {
      const read =
        section === 'interfaces'
          ? assembleInterface(itemParts, problems)
          : wrap(section, itemParts[0], problems);
      if (read === undefined)
        unreadable.set(section, (unreadable.get(section) ?? new Set()).add(name));
      else setOwn(items, name, read.value);
    }
    setOwn(sections, section, items);
  }
  // without the project file, names and variables are unknown: checking the rest would only echo that
  const checked =
    document === undefined
      ? undefined
      : checkProject({ ...document, ...sections }, options, problems, unreadable as Unreadable);
  if (!checked || problems.size > 0)
    throw projectError('invalid_project', 'project folder', problems.list);
  return checked;
}

function wrap(
  section: ItemSection,
  part: Part | undefined,
  problems: Problems,
): { value: unknown } | undefined {
  if (!part) return undefined;
  const value = readPart(part, problems);
  if (value === undefined) return undefined;
  return { value: section === 'scripts' ? { language: 'javascript', source: value } : value };
}

/** The inverse of parseProjectFolder: the files of a folder holding `document`, sorted by path. */
export function projectToFolder(document: ProjectDocument): ProjectFile[] {
  const files: ProjectFile[] = [];
  const variables = Object.entries(document.variables ?? {});
  const rootData: Record<string, unknown> = { version: document.version, name: document.name };
  if (document.description !== undefined) rootData['description'] = document.description;
  if (variables.length > 0) {
    const declared: Record<string, unknown> = {};
    for (const [name, variable] of variables)
      setOwn(declared, name, ordered(variable, KEY_ORDER.variables));
    rootData['variables'] = declared;
  }
  files.push({ path: ROOT_FILE, content: toYaml(rootData) });
  for (const section of PROJECT_SECTIONS) {
    if (section === 'variables') continue;
    const folder = FOLDER_OF[section];
    for (const [name, value] of Object.entries(document[section] ?? {}) as Array<
      [string, Record<string, unknown>]
    >) {
      const base = `${folder}/${name}`;
      if (section === 'scripts') {
        files.push({ path: `${base}.js`, content: String(value['source'] ?? '') });
      } else if (
        section === 'interfaces' &&
        value['schema'] !== undefined &&
        value['format'] === 'json-schema' &&
        value['element'] === undefined
      ) {
        files.push({
          path: `${base}.schema.json`,
          content: `${JSON.stringify(value['schema'], null, 2)}\n`,
        });
      } else if (
        section === 'interfaces' &&
        typeof value['schema'] === 'string' &&
        value['format'] === 'xsd'
      ) {
        files.push({ path: `${base}.xsd`, content: value['schema'] });
        const { schema: _schema, ...rest } = value;
        files.push({ path: `${base}.yaml`, content: toYaml(ordered(rest, KEY_ORDER.interfaces)) });
      } else {
        files.push({ path: `${base}.yaml`, content: toYaml(writable(section, value)) });
      }
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function writable(section: ItemSection, value: Record<string, unknown>): Record<string, unknown> {
  const result = ordered(value, KEY_ORDER[section]);
  if (section === 'operations')
    for (const end of ['source', 'target'])
      if (isPlainObject(result[end])) result[end] = ordered(result[end], ['connection', 'config']);
  return result;
}
