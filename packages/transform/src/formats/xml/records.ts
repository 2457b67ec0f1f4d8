import { TransformError } from '../../errors.js';
import { shortName } from '../../internal/short-name.js';
import type { InterfaceField } from '../../interfaces/model.js';
import type { RecordResult } from '../../ndjson-reader.js';
import {
  declarationProblem,
  declaredPrefix,
  type KeyNamer,
  lookupPrefix,
  type NamespaceScope,
  QNameCache,
  ROOT_SCOPE,
} from './namespaces.js';
import { detached, XSI_NAMESPACE } from './names.js';
import type { XmlTokenizer } from './tokenizer.js';
import { typedText, TypedValueProblem } from './typed-values.js';

/** The reader's options, checked and resolved. */
export interface ReadPlan {
  readonly recordPath: readonly string[];
  readonly absolute: boolean;
  readonly namer: KeyNamer;
  readonly fields: readonly InterfaceField[] | undefined;
  readonly arrayKeys: ReadonlySet<string>;
  readonly arrayPaths: ReadonlySet<string>;
  readonly maxRecordChars: number;
  readonly maxDepth: number;
}

interface Frame {
  readonly key: string;
  readonly field: InterfaceField | undefined;
  readonly path: string; // from the record element, only when alwaysArray names paths
  readonly line: number;
  readonly column: number;
  value: Record<string, unknown> | undefined; // attributes and children, made on first use
  text: string;
  hasChildren: boolean;
  nil: boolean; // xsi:nil="true"
}

const WHITESPACE = /^[ \t\n]*$/;
const fieldIndexes = new WeakMap<readonly InterfaceField[], Map<string, InterfaceField>>();

function fieldIndex(
  fields: readonly InterfaceField[] | undefined,
): Map<string, InterfaceField> | undefined {
  if (fields === undefined) return undefined;
  let index = fieldIndexes.get(fields);
  if (index === undefined) {
    index = new Map(fields.map((field) => [field.name, field]));
    fieldIndexes.set(fields, index);
  }
  return index;
}

// A key such as "__proto__" must become an own property, never a prototype change.
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * Follows the element structure of one document (well-formedness, namespaces, depth) and turns
 * each record element into plain data. Well-formedness errors throw: after a mismatched or
 * unclosed tag there is no safe place to resume. A record that is too large, or whose values do
 * not fit the interface, fails alone and reading goes on after its end tag.
 */
export class XmlDocument {
  // The open elements, indexed from 0 (the root) to depth - 1; entries above depth are stale.
  private depth = 0;
  private readonly qnames: string[] = [];
  private readonly keys: string[] = [];
  private readonly scopes: NamespaceScope[] = [];
  private readonly openedLine: number[] = [];
  private readonly openedColumn: number[] = [];
  private readonly names = new QNameCache();
  private rootSeen = false;
  private rootClosed = false;
  private recordDepth = -1;
  private frames: Frame[] = [];
  private recordLine = 0;
  private size = 0;
  private failure: string | undefined;

  constructor(
    private readonly plan: ReadPlan,
    private readonly tokens: XmlTokenizer,
  ) {}

  startTag(): RecordResult | undefined {
    const t = this.tokens;
    const at = (what: string): TransformError =>
      new TransformError('malformed_input', `${what} at line ${t.line}, column ${t.column}`);
    if (this.rootClosed) throw at('a second root element');
    if (this.depth >= this.plan.maxDepth) {
      throw new TransformError(
        'limit_exceeded',
        `elements nested deeper than ${this.plan.maxDepth} at line ${t.line}, column ${t.column}`,
      );
    }
    const attributes = t.attributes;
    let scope = this.depth === 0 ? ROOT_SCOPE : this.scopes[this.depth - 1]!;
    let declared: Map<string, string> | undefined;
    for (let k = 0; k < attributes.length; k += 2) {
      const prefix = declaredPrefix(attributes[k]!);
      if (prefix === undefined) continue;
      const problem = declarationProblem(prefix, attributes[k + 1]!);
      if (problem !== undefined) throw at(`a namespace declaration where ${problem}`);
      (declared ??= new Map()).set(prefix, detached(attributes[k + 1]!));
    }
    if (declared !== undefined) scope = { parent: scope, prefixes: declared };
    const name = this.names.split(t.name);
    if (name === undefined) throw at('an element name that is not a namespace-qualified name');
    const uri = lookupPrefix(scope, name.prefix);
    if (uri === undefined) throw at('an element with an undeclared namespace prefix');
    const key = this.plan.namer.key(uri, name.local);
    const depth = this.depth++;
    this.qnames[depth] = detached(t.name); // open elements outlive the chunk they were read from
    this.keys[depth] = key;
    this.scopes[depth] = scope;
    this.openedLine[depth] = t.line;
    this.openedColumn[depth] = t.column;
    this.rootSeen = true;

    let frame: Frame | undefined;
    if (this.recordDepth === -1) {
      if (this.isRecordElement()) {
        this.recordDepth = this.depth;
        this.recordLine = t.line;
        this.size = 0;
        this.failure = undefined;
        frame = this.newFrame(key, undefined);
        this.frames = [frame];
      }
    } else if (this.failure === undefined) {
      frame = this.newFrame(key, this.frames[this.frames.length - 1]);
      this.frames.push(frame);
    }
    if (this.recordDepth !== -1) this.count(t.length);

    for (let k = 0; k < attributes.length; k += 2) {
      const attribute = attributes[k]!;
      if (declaredPrefix(attribute) !== undefined) continue;
      const parts = this.names.split(attribute);
      if (parts === undefined) throw at('an attribute name that is not a namespace-qualified name');
      // Unprefixed attributes are in no namespace, whatever the default namespace is.
      const attributeUri = parts.prefix === '' ? '' : lookupPrefix(scope, parts.prefix);
      if (attributeUri === undefined) throw at('an attribute with an undeclared namespace prefix');
      if (attributeUri === XSI_NAMESPACE) {
        // Schema-instance attributes are about the document, not data: xsi:nil="true" makes the
        // element null; xsi:type and xsi:schemaLocation are dropped.
        if (frame !== undefined && parts.local === 'nil')
          frame.nil = /^\s*(?:true|1)\s*$/.test(attributes[k + 1]!);
        continue;
      }
      if (frame !== undefined && this.failure === undefined) {
        this.setAttribute(
          frame,
          this.plan.namer.attributeKey(attributeUri, parts.local),
          attributes[k + 1]!,
        );
      }
    }
    return t.selfClosing ? this.close() : undefined;
  }

  endTag(): RecordResult | undefined {
    const t = this.tokens;
    const depth = this.depth;
    if (depth === 0) {
      throw new TransformError(
        'malformed_input',
        `an end tag with no open element at line ${t.line}, column ${t.column}`,
      );
    }
    const open = this.qnames[depth - 1]!;
    if (open !== t.name) {
      throw new TransformError(
        'malformed_input',
        `end tag </${shortName(t.name)}> at line ${t.line}, column ${t.column} does not match <${shortName(open)}> opened at line ${this.openedLine[depth - 1]!}, column ${this.openedColumn[depth - 1]!}`,
      );
    }
    if (this.recordDepth !== -1) this.count(t.length);
    return this.close();
  }

  text(): void {
    const t = this.tokens;
    if (this.depth === 0) {
      if (t.cdata || t.references || !WHITESPACE.test(t.text)) {
        throw new TransformError(
          'malformed_input',
          `text outside the root element at line ${t.line}, column ${t.column}`,
        );
      }
      return;
    }
    if (this.recordDepth === -1) return;
    this.count(t.length);
    if (this.failure === undefined) this.frames[this.frames.length - 1]!.text += t.text;
  }

  /** At the end of the input: the document must have had a root element, and closed it. */
  finish(): void {
    const depth = this.depth;
    if (depth > 0) {
      throw new TransformError(
        'malformed_input',
        `unexpected end of input at ${this.tokens.whereInputEnds()}: <${shortName(this.qnames[depth - 1]!)}> opened at line ${this.openedLine[depth - 1]!}, column ${this.openedColumn[depth - 1]!} is not closed`,
      );
    }
    if (!this.rootSeen) {
      throw new TransformError(
        'malformed_input',
        `no root element (the input ends at ${this.tokens.whereInputEnds()})`,
      );
    }
  }

  private isRecordElement(): boolean {
    const steps = this.plan.recordPath;
    const keys = this.keys;
    const depth = this.depth;
    if (this.plan.absolute ? depth !== steps.length : depth < steps.length) return false;
    for (let i = 1; i <= steps.length; i++) {
      if (keys[depth - i] !== steps[steps.length - i]) return false;
    }
    return true;
  }

  private newFrame(key: string, parent: Frame | undefined): Frame {
    const t = this.tokens;
    const field = parent === undefined ? undefined : fieldIndex(this.fieldsOf(parent))?.get(key);
    const path =
      parent === undefined || this.plan.arrayPaths.size === 0
        ? ''
        : parent.path === ''
          ? key
          : `${parent.path}/${key}`;
    return {
      key,
      field,
      path,
      line: t.line,
      column: t.column,
      value: undefined,
      text: '',
      hasChildren: false,
      nil: false,
    };
  }

  private fieldsOf(frame: Frame): readonly InterfaceField[] | undefined {
    return frame === this.frames[0] ? this.plan.fields : frame.field?.fields;
  }

  private count(length: number): void {
    this.size += length;
    if (this.size > this.plan.maxRecordChars && this.failure === undefined) {
      this.fail(`the record exceeds ${this.plan.maxRecordChars} characters`);
    }
  }

  private fail(reason: string): void {
    this.failure = reason;
    this.frames = []; // let the partial record go: memory stays bounded while its end is sought
  }

  private where(frame: Frame): string {
    const path = this.frames
      .slice(0, this.frames.indexOf(frame) + 1)
      .map((f) => shortName(f.key))
      .join('/');
    return `${path} at line ${frame.line}, column ${frame.column}`;
  }

  private typed(
    frame: Frame,
    field: InterfaceField | undefined,
    text: string,
    what: string,
  ): unknown {
    const value = typedText(field, text);
    if (value instanceof TypedValueProblem) {
      this.fail(`${what} of ${this.where(frame)} ${value.message}`);
      return undefined;
    }
    return value;
  }

  private setAttribute(frame: Frame, key: string, text: string): void {
    const target = (frame.value ??= {});
    if (Object.hasOwn(target, key)) {
      this.fail(
        `two attributes of ${this.where(frame)} have the key ${shortName(key)} (map their namespaces to prefixes)`,
      );
      return;
    }
    const value = this.typed(
      frame,
      fieldIndex(this.fieldsOf(frame))?.get(key),
      detached(text),
      `attribute ${shortName(key)}`,
    );
    if (this.failure === undefined) setKey(target, key, value);
  }

  private close(): RecordResult | undefined {
    const depth = this.depth--;
    if (depth === 1) this.rootClosed = true;
    if (this.recordDepth === -1) return undefined;
    if (depth > this.recordDepth) {
      if (this.failure === undefined) {
        const frame = this.frames[this.frames.length - 1]!;
        const value = this.valueOf(frame);
        this.frames.pop();
        if (this.failure === undefined)
          this.attach(this.frames[this.frames.length - 1]!, frame, value);
      }
      return undefined;
    }
    this.recordDepth = -1;
    const line = this.recordLine;
    if (this.failure === undefined) {
      const record = this.valueOf(this.frames[0]!, true);
      this.frames = [];
      if (this.failure === undefined) return { ok: true, line, record };
    }
    this.frames = [];
    return { ok: false, line, reason: `line ${line}: ${this.failure ?? ''}` };
  }

  private valueOf(frame: Frame, isRecord = false): unknown {
    if (frame.nil && !isRecord) return null;
    frame.text = detached(frame.text);
    const asObject = isRecord || frame.field?.type === 'object';
    const textField = (): InterfaceField | undefined =>
      fieldIndex(this.fieldsOf(frame))?.get('#text');
    if (frame.value === undefined) {
      if (!asObject) return this.typed(frame, frame.field, frame.text, 'the content');
      return frame.text === ''
        ? {}
        : { '#text': this.typed(frame, textField(), frame.text, 'the text') };
    }
    // Whitespace between child elements is layout, not content.
    if (frame.text !== '' && !(frame.hasChildren && WHITESPACE.test(frame.text))) {
      frame.value['#text'] = this.typed(frame, textField(), frame.text, 'the text');
    }
    return frame.value;
  }

  private attach(parent: Frame, child: Frame, value: unknown): void {
    parent.hasChildren = true;
    const target = (parent.value ??= {});
    const key = child.key;
    if (Object.hasOwn(target, key)) {
      const existing = target[key];
      // Only the reader makes arrays, and only for repeated elements.
      if (Array.isArray(existing)) existing.push(value);
      else setKey(target, key, [existing, value]);
      return;
    }
    const repeated =
      child.field?.repeated === true ||
      this.plan.arrayKeys.has(key) ||
      (child.path !== '' && this.plan.arrayPaths.has(child.path));
    setKey(target, key, repeated ? [value] : value);
  }
}
