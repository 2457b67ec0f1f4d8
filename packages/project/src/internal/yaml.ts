// Project files are YAML written by people and read by the control plane: the YAML 1.2 core schema
// (no timestamps, no `<<` merges), unique keys, no explicit tags at all (`!!binary` would become a
// Buffer, `!!js/function` is an attack), scalar keys only, and bounded alias expansion.
import { isAlias, isScalar, parseDocument, stringify, visit } from 'yaml';
import type { Problems } from './problems.js';

/** Most alias expansions in one file, and most bytes they may copy in total. */
const MAX_ALIAS_COUNT = 100;
const MAX_ALIASED_BYTES = 1024 * 1024;

const MAX_MESSAGE = 160;

/** The parser's message without the quoted context it adds, cut short. */
function firstLine(message: string): string {
  const line = (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}

/** The file's data, or undefined with every problem reported under the file's path. */
export function parseYamlFile(text: string, path: string, problems: Problems): unknown {
  const document = parseDocument(text, {
    schema: 'core',
    merge: false,
    uniqueKeys: true,
    strict: true,
    prettyErrors: true,
  });
  const before = problems.size;
  for (const error of [...document.errors, ...document.warnings]) {
    const at = error.linePos?.[0];
    const position = at ? `line ${at.line}, column ${at.col}: ` : '';
    problems.add(
      path,
      error.code === 'DUPLICATE_KEY' ? 'duplicate_key' : 'invalid_yaml',
      `${position}${firstLine(error.message)}`,
    );
  }
  if (problems.size > before) return undefined;
  let aliased = 0;
  visit(document, {
    Node(_key, node) {
      if (!isAlias(node) && node.tag !== undefined)
        problems.add(
          path,
          'invalid_yaml',
          `${lineOf(text, node.range?.[0])}tags such as ${node.tag.replace('tag:yaml.org,2002:', '!!').slice(0, 40)} are not allowed`,
        );
    },
    Pair(_key, pair) {
      if (!isScalar(pair.key))
        problems.add(
          path,
          'invalid_yaml',
          `${lineOf(text, (pair.key as { range?: number[] } | null)?.range?.[0])}keys must be plain scalars`,
        );
    },
    Alias(_key, alias) {
      const target = alias.resolve(document);
      const range = target?.range;
      if (range) aliased += range[1] - range[0];
    },
  });
  if (aliased > MAX_ALIASED_BYTES)
    problems.add(
      path,
      'too_large',
      `aliases copy ${aliased} bytes; at most ${MAX_ALIASED_BYTES} are allowed`,
    );
  if (problems.size > before) return undefined;
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    problems.add(
      path,
      'invalid_yaml',
      error instanceof Error ? firstLine(error.message) : 'cannot be read',
    );
    return undefined;
  }
}

function lineOf(text: string, offset: number | undefined): string {
  if (offset === undefined) return '';
  let line = 1;
  let start = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line += 1;
    start = at + 1;
  }
  return `line ${line}, column ${offset - start + 1}: `;
}

/** YAML text of plain data, read back equal by parseYamlFile. */
export function toYaml(value: unknown): string {
  return stringify(value, {
    version: '1.2',
    schema: 'core',
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
