const FILE_REFERENCE = /^sha256:([0-9a-f]{64})$/;
/** More interfaces than a valid project may have; the rest is validateProject's to refuse. */
const MAX_INTERFACES = 1000;

/** A `file: sha256:<hex>` of an interface, and where it is in the document. */
export interface FileReference {
  sha256: string;
  path: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The files a project document's interfaces name (`interfaces.<name>.file`), read from a
 * document that may not be valid yet: only well-formed references count, the rest is
 * validateProject's business.
 */
export function fileReferences(document: unknown): FileReference[] {
  const interfaces = isObject(document) ? document['interfaces'] : undefined;
  if (!isObject(interfaces)) return [];
  const references: FileReference[] = [];
  for (const name of Object.keys(interfaces).slice(0, MAX_INTERFACES)) {
    const definition = interfaces[name];
    const file = isObject(definition) ? definition['file'] : undefined;
    const match = typeof file === 'string' ? FILE_REFERENCE.exec(file) : null;
    if (match?.[1] !== undefined)
      references.push({ sha256: match[1], path: `interfaces.${name}.file` });
  }
  return references;
}

/** The distinct files of a document, sorted (locks are taken in this order). */
export function referencedFiles(document: unknown): string[] {
  return [...new Set(fileReferences(document).map((reference) => reference.sha256))].sort();
}
