import type { ProjectProblem, ProjectProblemCode } from '../errors.js';

const MAX_QUOTED = 80;
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Collects every problem; checks never stop at the first. */
export class Problems {
  readonly list: ProjectProblem[] = [];

  add(path: string, code: ProjectProblemCode, message: string): void {
    this.list.push({ path, code, message });
  }

  get size(): number {
    return this.list.length;
  }
}

/** `parent.key`, or `parent["odd key"]` for keys that are not plain names; long keys cut. */
export function child(parent: string, key: string): string {
  const shown = key.length > MAX_QUOTED ? `${key.slice(0, MAX_QUOTED)}…` : key;
  if (PLAIN_KEY.test(shown)) return parent === '' ? shown : `${parent}.${shown}`;
  return `${parent}[${JSON.stringify(shown)}]`;
}

export function item(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** A user value for a message: quoted when short, described by its length otherwise. */
export function quote(value: string): string {
  return value.length > MAX_QUOTED
    ? `a value of ${value.length} characters`
    : JSON.stringify(value);
}

/** Appends a sub-path produced by another library (`records[0].fields.x`) to ours. */
export function join(parent: string, sub: string): string {
  if (sub === '' || sub === 'document') return parent;
  return sub.startsWith('[') ? `${parent}${sub}` : `${parent}.${sub}`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A name for a message, cut to 80 characters. */
export function short(name: string): string {
  return name.length > MAX_QUOTED ? `${name.slice(0, MAX_QUOTED - 1)}…` : name;
}
