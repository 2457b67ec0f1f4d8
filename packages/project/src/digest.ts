import { createHash } from 'node:crypto';
import { canonicalJson } from './internal/json.js';
import type { ProjectDocument } from './types.js';

/**
 * sha256 (hex) of the document's canonical JSON: keys sorted, no whitespace. Two equal documents
 * have the same digest whatever their key order; give it a validated document, whose sections
 * are always present, so that an empty section and a missing one do not differ.
 */
export function projectDigest(document: ProjectDocument): string {
  return createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex');
}
