import { TransformError } from '../../errors.js';

const KEY = /^[^.[\]'"]+$/;

/** '$.items', 'data.rows', '$' or '' → the object keys leading to the array. */
export function parsePath(path: unknown): string[] {
  if (path === undefined || path === '' || path === '$') return [];
  if (typeof path !== 'string') throw new TransformError('invalid_option', 'path must be a string');
  const keys = (path.startsWith('$.') ? path.slice(2) : path).split('.');
  if (!keys.every((key) => KEY.test(key))) {
    throw new TransformError(
      'invalid_option',
      "path must be object keys joined with dots, like '$.items' or 'data.rows'",
    );
  }
  return keys;
}
