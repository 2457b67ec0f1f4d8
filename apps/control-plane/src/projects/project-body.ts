import { ProjectsError } from './projects-error.js';

/**
 * The fields of a JSON body, refusing anything that is not an object or names a field the
 * endpoint does not take (the first unknown one is named).
 */
export function bodyFields(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProjectsError('VALIDATION_FAILED', 'the body must be a JSON object');
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new ProjectsError(
        'VALIDATION_FAILED',
        `unknown field ${JSON.stringify(key.slice(0, 40))}; this endpoint takes ${allowed.join(', ') || 'no fields'}`,
        undefined,
        key.slice(0, 40),
      );
    }
  }
  return body as Record<string, unknown>;
}

/** A revision number from a path or body: a positive integer. */
export function revisionNumber(value: unknown, field = 'revision'): number {
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 1e9) {
    throw new ProjectsError(
      'VALIDATION_FAILED',
      `${field} must be a positive integer`,
      undefined,
      field,
    );
  }
  return number;
}
