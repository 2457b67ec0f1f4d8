// Reads a mapping document's text (YAML or JSON). YAML is parsed with the `yaml` package's safe
// defaults: the YAML 1.2 core schema (no custom tags, no `<<` merges), unique keys, and an alias
// expansion cap against "billion laughs" documents.
import { parseDocument } from 'yaml';
import { MappingError } from './errors.js';

export interface ParseMappingOptions {
  /** 'auto' (default): JSON when the text starts with `{`, YAML otherwise (YAML is a superset). */
  readonly format?: 'yaml' | 'json' | 'auto';
  /** Largest document accepted, in characters (default 1,000,000). */
  readonly maxLength?: number;
  /** Most alias expansions YAML may perform (default 100). */
  readonly maxAliasCount?: number;
}

/** Parses mapping document text to plain data, ready for compileMapping. Throws MappingError. */
export function parseMappingDocument(text: string, options?: ParseMappingOptions): unknown {
  if (typeof text !== 'string')
    throw new MappingError('invalid_mapping', 'mapping document text must be a string');
  const maxLength = options?.maxLength ?? 1_000_000;
  if (text.length > maxLength)
    throw new MappingError(
      'invalid_mapping',
      `mapping document is ${text.length} characters; at most ${maxLength} are accepted`,
    );
  const format = options?.format ?? 'auto';
  if (format === 'json' || (format === 'auto' && text.trimStart().startsWith('{'))) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // JSON is YAML: re-read with the YAML parser for a message with line and column
      if (format === 'json') return parseYaml(text, options?.maxAliasCount ?? 100);
    }
  }
  return parseYaml(text, options?.maxAliasCount ?? 100);
}

function parseYaml(text: string, maxAliasCount: number): unknown {
  const document = parseDocument(text, {
    schema: 'core',
    merge: false,
    uniqueKeys: true,
    prettyErrors: true, // adds line and column
    strict: true,
  });
  const problems = [...document.errors, ...document.warnings].map((error) => {
    const at = error.linePos?.[0];
    const where = at ? `line ${at.line}, column ${at.col}` : 'document';
    // the first line only: the rest quotes the document around the error
    const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return { path: where, message: `${error.code}: ${message}` };
  });
  // warnings too (an unknown tag such as !!js/function is only a warning to the parser)
  if (problems.length > 0) {
    throw new MappingError(
      'invalid_mapping',
      `mapping document is not valid YAML:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
      problems,
    );
  }
  try {
    return document.toJS({ maxAliasCount });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : 'cannot be read';
    throw new MappingError('invalid_mapping', `mapping document: ${message ?? ''}`, [
      { path: 'document', message: message ?? '' },
    ]);
  }
}
