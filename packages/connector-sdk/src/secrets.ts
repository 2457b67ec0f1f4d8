import type { ConnectorContext } from './contract.js';
import { ConnectorError } from './errors.js';

/** A configuration value that names a secret instead of containing it: `{ secret: 'DB_PASSWORD' }`. */
export interface SecretReference {
  readonly secret: string;
}

/** A configuration field that may hold a literal or a secret reference. */
export type SecretValue = string | SecretReference;

export function isSecretReference(value: unknown): value is SecretReference {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { secret?: unknown }).secret === 'string' &&
    Object.keys(value).length === 1
  );
}

/** True when `value` is a usable SecretValue (used by validate(): no I/O). */
export function isSecretValue(value: unknown): value is SecretValue {
  return typeof value === 'string' || isSecretReference(value);
}

/**
 * Turns a literal or `{ secret: NAME }` into the value. A missing secret is invalid_config naming
 * the secret (never its value) and the field it was referenced from.
 */
export function resolveSecret(
  value: SecretValue,
  ctx: Pick<ConnectorContext, 'secrets'>,
  field = 'value',
): string {
  if (typeof value === 'string') return value;
  if (!isSecretReference(value)) {
    throw new ConnectorError('invalid_config', `${field} must be a string or { secret: NAME }`);
  }
  const resolved = ctx.secrets.get(value.secret);
  if (resolved === undefined) {
    throw new ConnectorError(
      'invalid_config',
      `${field} references secret ${value.secret}, which is not available to this run`,
    );
  }
  return resolved;
}

const REDACTED = '[redacted]';
const SECRET_FIELD = /pass(word)?|secret|token|key|credential|authorization|cookie/i;

/**
 * A copy of a configuration safe to log: secret references are kept (they are names, not values),
 * and literal strings under secret-looking field names are replaced.
 */
export function redactConfig(config: unknown): unknown {
  if (Array.isArray(config)) return config.map((item) => redactConfig(item));
  if (typeof config !== 'object' || config === null) return config;
  if (isSecretReference(config)) return { secret: config.secret };
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    out[name] =
      SECRET_FIELD.test(name) && typeof value === 'string' ? REDACTED : redactConfig(value);
  }
  return out;
}
