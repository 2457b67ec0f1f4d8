import { ConnectorError, isSecretValue, type SecretValue } from '@weft/connector-sdk';

/** Small, field-naming checks for validate(): every failure is invalid_config naming the field. */
export function invalid(field: string, message: string): ConnectorError {
  return new ConnectorError('invalid_config', `${field} ${message}`);
}

export function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(field, 'must be an object');
  }
  return value as Record<string, unknown>;
}

/** Refuses keys the connector does not know: a typo must not silently change behaviour. */
export function onlyKeys(
  object: Record<string, unknown>,
  field: string,
  keys: readonly string[],
): void {
  for (const key of Object.keys(object)) {
    if (!keys.includes(key))
      throw invalid(field === '' ? key : `${field}.${key}`, 'is not a known setting');
  }
}

export function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw invalid(field, 'must be a non-empty string');
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : stringAt(value, field);
}

export function booleanAt(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, 'must be a boolean');
  return value;
}

export function integerAt(
  value: unknown,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function secretAt(value: unknown, field: string): SecretValue {
  if (!isSecretValue(value)) throw invalid(field, 'must be a string or { secret: NAME }');
  return value;
}

export function oneOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
  fallback?: T,
): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
