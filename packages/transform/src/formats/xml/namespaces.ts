import { TransformError } from '../../errors.js';
import { detached, isNcName, isQName, XML_NAMESPACE, XMLNS_NAMESPACE } from './names.js';

/** The prefixes in scope at one element; a child element that declares none shares its parent's. */
export interface NamespaceScope {
  readonly parent: NamespaceScope | undefined;
  readonly prefixes: ReadonlyMap<string, string>;
}

export const ROOT_SCOPE: NamespaceScope = {
  parent: undefined,
  prefixes: new Map([
    ['xml', XML_NAMESPACE],
    ['', ''],
  ]),
};

export function lookupPrefix(scope: NamespaceScope, prefix: string): string | undefined {
  for (let s: NamespaceScope | undefined = scope; s !== undefined; s = s.parent) {
    const uri = s.prefixes.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

/**
 * How record keys are named. The document never chooses a key's prefix: an element or attribute
 * in a namespace the map names gets the map's prefix (`{ ns: 'urn:x' }` → `ns:Order`), the XML
 * namespace gets `xml:`, and every other name — no namespace, the default namespace, or a
 * namespace the map does not name — is its local name.
 */
export class KeyNamer {
  private readonly prefixOf = new Map<string, string>();

  constructor(namespaces: Readonly<Record<string, string>>) {
    for (const [prefix, uri] of Object.entries(namespaces)) this.prefixOf.set(uri, prefix);
  }

  private readonly cache = new Map<string, Map<string, string>>();
  private cached = 0;

  private readonly attributeKeys = new Map<string, string>();

  /** `@` and the key; memoised for names without a namespace, the common case. */
  attributeKey(uri: string, local: string): string {
    if (uri !== '') return `@${this.key(uri, local)}`;
    let key = this.attributeKeys.get(local);
    if (key === undefined) {
      key = `@${local}`;
      if (this.attributeKeys.size < 4096) this.attributeKeys.set(detached(local), key);
    }
    return key;
  }

  key(uri: string, local: string): string {
    if (uri === '') return local;
    let keys = this.cache.get(uri);
    const known = keys?.get(local);
    if (known !== undefined) return known;
    const prefix = uri === XML_NAMESPACE ? 'xml' : this.prefixOf.get(uri);
    const key = prefix === undefined || prefix === '' ? local : `${prefix}:${local}`;
    // Names repeat in every record; the cache is bounded so that a hostile document cannot grow it.
    if (this.cached < 4096) {
      if (keys === undefined) this.cache.set(uri, (keys = new Map()));
      keys.set(detached(local), detached(key));
      this.cached++;
    }
    return key;
  }
}

/** Checks a reader or writer `namespaces` option: prefix (NCName or '') → namespace URI. */
export function resolveNamespaceMap(
  value: unknown,
  option: string,
): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TransformError(
      'invalid_option',
      `${option} must be an object of prefix → namespace URI`,
    );
  }
  const map: Record<string, string> = {};
  const uris = new Set<string>();
  for (const [prefix, uri] of Object.entries(value)) {
    if ((prefix !== '' && !isNcName(prefix)) || prefix === 'xml' || prefix === 'xmlns') {
      throw new TransformError(
        'invalid_option',
        `${option}: a prefix must be an XML name other than xml and xmlns`,
      );
    }
    if (typeof uri !== 'string' || uri === '' || uri === XML_NAMESPACE || uri === XMLNS_NAMESPACE) {
      throw new TransformError(
        'invalid_option',
        `${option}: each prefix needs a namespace URI of its own`,
      );
    }
    if (uris.has(uri))
      throw new TransformError('invalid_option', `${option}: a namespace URI is mapped twice`);
    uris.add(uri);
    Object.defineProperty(map, prefix, { value: uri, enumerable: true });
  }
  return map;
}

/** A namespace declaration (xmlns or xmlns:p) as the prefix it declares, else undefined. */
export function declaredPrefix(attribute: string): string | undefined {
  if (attribute === 'xmlns') return '';
  return attribute.startsWith('xmlns:') ? attribute.slice(6) : undefined;
}

/** Why a declaration is not allowed by Namespaces in XML 1.0, or undefined when it is fine. */
export function declarationProblem(prefix: string, uri: string): string | undefined {
  if (prefix === 'xmlns') return 'the xmlns prefix cannot be declared';
  if (prefix === 'xml' && uri !== XML_NAMESPACE)
    return 'the xml prefix is bound to another namespace';
  if (prefix !== 'xml' && uri === XML_NAMESPACE)
    return 'the XML namespace is bound to another prefix';
  if (uri === XMLNS_NAMESPACE) return 'the xmlns namespace cannot be declared';
  if (prefix !== '' && uri === '') return 'a prefix cannot be undeclared in XML 1.0';
  if (prefix !== '' && !isNcName(prefix)) return 'a prefix that is not a name without colons';
  return undefined;
}

export interface QName {
  readonly prefix: string;
  readonly local: string;
}

/** `prefix:local` split in two, or undefined when it is not a QName. */
export function splitQName(name: string): QName | undefined {
  if (!isQName(name)) return undefined;
  const colon = name.indexOf(':');
  return colon === -1
    ? { prefix: '', local: name }
    : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

/** splitQName memoised for one document: names repeat in every record. */
export class QNameCache {
  private readonly known = new Map<string, QName | null>();

  split(name: string): QName | undefined {
    const known = this.known.get(name);
    if (known !== undefined) return known ?? undefined;
    // Bounded, so that a document with ever new names cannot grow it; detached, so that a cached
    // name does not keep the chunk it was read from alive.
    const own = detached(name);
    const split = splitQName(own);
    if (this.known.size < 4096) this.known.set(own, split ?? null);
    return split;
  }
}
