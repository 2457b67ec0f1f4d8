import { TransformError } from '../../errors.js';
import {
  declarationProblem,
  declaredPrefix,
  lookupPrefix,
  type NamespaceScope,
  ROOT_SCOPE,
  splitQName,
} from './namespaces.js';
import { END_OF_INPUT, END_TAG, START_TAG, XmlTokenizer } from './tokenizer.js';

/** One element of a small document (a schema), with its namespace scope for QName-valued attributes. */
export interface XmlNode {
  readonly uri: string;
  readonly local: string;
  /** Attributes in no namespace, by name (the ones schema components use). */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlNode[];
  text: string;
  readonly scope: NamespaceScope;
  readonly line: number;
  readonly column: number;
}

export const MAX_TREE_CHARS = 16 * 1024 * 1024;

/**
 * Parses a whole, small document (already in memory) into a tree, with the reader's tokenizer
 * and therefore its rules: no DTD, only predefined entities, depth and size limits.
 */
export function parseXmlTree(text: string, maxDepth = 256): XmlNode {
  if (text.length > MAX_TREE_CHARS) {
    throw new TransformError('limit_exceeded', `the document exceeds ${MAX_TREE_CHARS} characters`);
  }
  const tokens = new XmlTokenizer({
    maxTokenChars: MAX_TREE_CHARS,
    maxAttributes: 256,
    maxNameLength: 1024,
  });
  tokens.push(text);
  tokens.end();
  const stack: XmlNode[] = [];
  const names: string[] = [];
  let root: XmlNode | undefined;
  const fail = (what: string): TransformError =>
    new TransformError(
      'malformed_input',
      `${what} at line ${tokens.line}, column ${tokens.column}`,
    );
  for (;;) {
    const kind = tokens.next();
    if (kind === END_OF_INPUT) break;
    if (kind === START_TAG) {
      if (root !== undefined && stack.length === 0) throw fail('a second root element');
      if (stack.length >= maxDepth) {
        throw new TransformError(
          'limit_exceeded',
          `elements nested deeper than ${maxDepth} at line ${tokens.line}, column ${tokens.column}`,
        );
      }
      const parentScope = stack[stack.length - 1]?.scope ?? ROOT_SCOPE;
      const declared = new Map<string, string>();
      const attributes = new Map<string, string>();
      const raw = tokens.attributes;
      for (let k = 0; k < raw.length; k += 2) {
        const prefix = declaredPrefix(raw[k]!);
        if (prefix === undefined) {
          if (!raw[k]!.includes(':')) attributes.set(raw[k]!, raw[k + 1]!);
          continue;
        }
        const problem = declarationProblem(prefix, raw[k + 1]!);
        if (problem !== undefined) throw fail(`a namespace declaration where ${problem}`);
        declared.set(prefix, raw[k + 1]!);
      }
      const scope = declared.size > 0 ? { parent: parentScope, prefixes: declared } : parentScope;
      const name = splitQName(tokens.name);
      if (name === undefined) throw fail('an element name that is not a namespace-qualified name');
      const uri = lookupPrefix(scope, name.prefix);
      if (uri === undefined) throw fail('an element with an undeclared namespace prefix');
      const node: XmlNode = {
        uri,
        local: name.local,
        attributes,
        children: [],
        text: '',
        scope,
        line: tokens.line,
        column: tokens.column,
      };
      stack[stack.length - 1]?.children.push(node);
      root ??= node;
      if (tokens.selfClosing) continue;
      stack.push(node);
      names.push(tokens.name);
    } else if (kind === END_TAG) {
      if (names[names.length - 1] !== tokens.name)
        throw fail('an end tag that does not match the open element');
      stack.pop();
      names.pop();
    } else {
      const node = stack[stack.length - 1];
      if (node !== undefined) node.text += tokens.text;
      else if (tokens.cdata || tokens.references || !/^[ \t\n]*$/.test(tokens.text))
        throw fail('text outside the root element');
    }
  }
  if (stack.length > 0) {
    throw new TransformError(
      'malformed_input',
      `unexpected end of input at ${tokens.whereInputEnds()}: an element is not closed`,
    );
  }
  if (root === undefined) throw new TransformError('malformed_input', 'no root element');
  return root;
}

/** Resolves a QName-valued attribute (type="xs:string") with the element's namespace scope. */
export function resolveQNameValue(node: XmlNode, value: string): { uri: string; local: string } {
  const name = splitQName(value.trim());
  const uri = name === undefined ? undefined : lookupPrefix(node.scope, name.prefix);
  if (name === undefined || uri === undefined) {
    throw new TransformError(
      'malformed_input',
      `a type or element reference with an undeclared prefix at line ${node.line}, column ${node.column}`,
    );
  }
  return { uri, local: name.local };
}
