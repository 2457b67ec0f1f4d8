import { canonicalJson } from './internal/json.js';
import { child } from './internal/problems.js';
import { PROJECT_SECTIONS, type ProjectChange, type ProjectDocument } from './types.js';

function compare(path: string, from: unknown, to: unknown, changes: ProjectChange[]): void {
  if (from === undefined && to === undefined) return;
  if (from === undefined) changes.push({ path, change: 'added' });
  else if (to === undefined) changes.push({ path, change: 'removed' });
  else if (canonicalJson(from) !== canonicalJson(to)) changes.push({ path, change: 'changed' });
}

function entry(section: unknown, name: string): unknown {
  return typeof section === 'object' && section !== null && Object.hasOwn(section, name)
    ? (section as Record<string, unknown>)[name]
    : undefined;
}

/**
 * What changes from `from` to `to`: the name and description, then every item of every section
 * (`variables.PG_HOST`, `operations.load-orders`) added, removed or changed (canonical JSON
 * differs). Stable order: sections in document order, names sorted within each.
 */
export function diffProjects(from: ProjectDocument, to: ProjectDocument): ProjectChange[] {
  const changes: ProjectChange[] = [];
  compare('name', from.name, to.name, changes);
  compare('description', from.description, to.description, changes);
  for (const section of PROJECT_SECTIONS) {
    const before: unknown = from[section];
    const after: unknown = to[section];
    const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
    for (const name of [...names].sort())
      compare(child(section, name), entry(before, name), entry(after, name), changes);
  }
  return changes;
}
