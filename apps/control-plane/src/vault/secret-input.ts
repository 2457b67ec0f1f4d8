const VAULT_ERROR = Symbol.for('weft.control-plane.vault-error');

export type VaultErrorCode =
  'SECRET_INVALID' | 'SECRET_NOT_FOUND' | 'ENVIRONMENT_NOT_FOUND' | 'SECRET_UNREADABLE';

/** A vault request that cannot be served. The message names what is wrong, never a value. */
export class VaultError extends Error {
  readonly [VAULT_ERROR] = true;
  override name = 'VaultError';
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  static is(value: unknown): value is VaultError {
    return typeof value === 'object' && value !== null && VAULT_ERROR in value;
  }
}

export const SECRET_KINDS = ['variable', 'credential'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** Stored values are credentials and variables; anything larger belongs in file storage. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
export const MAX_SECRET_DESCRIPTION_CHARS = 500;
/** What reads return in place of a stored value. Fixed: its length says nothing about the value. */
export const SECRET_MASK = '********';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const ENV_REFERENCE = /^env:[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// Printable and without whitespace or control characters; 1030 characters at most in all. The
// agent (apps/agent, resolve-secret-reference.ts) applies the same rule.
// eslint-disable-next-line no-control-regex -- control characters are what this excludes
const FILE_REFERENCE = /^file:\/[^\s\x00-\x1f\x7f]{1,1024}$/;

/**
 * What a write sets: a value stored encrypted, or a reference that only a private agent
 * resolves (`env:NAME` reads the agent's environment, `file:/path` a file on its host), so the
 * credential never leaves the customer's network.
 */
export type SecretWrite =
  | { kind: SecretKind; description: string; value: string }
  | { kind: SecretKind; description: string; reference: string };

export function assertSecretName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new VaultError(
      'SECRET_INVALID',
      'name must start with a letter or "_" and contain only letters, digits, "_", "." and "-" (at most 128)',
      'name',
    );
  }
}

// A lone UTF-16 surrogate: JSON allows it, PostgreSQL's UTF-8 cannot hold it (it would be
// silently replaced), so it is refused rather than stored changed.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks a request body; throws VaultError naming the first bad field (never echoing a value). */
export function parseSecretWrite(body: unknown): SecretWrite {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new VaultError('SECRET_INVALID', 'body must be a JSON object');
  }
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).filter(
    (key) => !['kind', 'description', 'value', 'reference'].includes(key),
  );
  if (unknown.length > 0) {
    throw new VaultError('SECRET_INVALID', `unknown field "${unknown[0]}"`, unknown[0]);
  }
  for (const field of ['value', 'description', 'reference'] as const) {
    const text = input[field];
    if (typeof text === 'string' && LONE_SURROGATE.test(text)) {
      throw new VaultError('SECRET_INVALID', `${field} must be well-formed Unicode`, field);
    }
  }
  const kind = input.kind ?? 'credential';
  if (typeof kind !== 'string' || !(SECRET_KINDS as readonly string[]).includes(kind)) {
    throw new VaultError(
      'SECRET_INVALID',
      `kind must be one of ${SECRET_KINDS.join(', ')}`,
      'kind',
    );
  }
  const description = input.description ?? '';
  if (typeof description !== 'string' || description.length > MAX_SECRET_DESCRIPTION_CHARS) {
    throw new VaultError(
      'SECRET_INVALID',
      `description must be a string of at most ${MAX_SECRET_DESCRIPTION_CHARS} characters`,
      'description',
    );
  }
  const hasValue = input.value !== undefined;
  const hasReference = input.reference !== undefined;
  if (hasValue === hasReference) {
    throw new VaultError('SECRET_INVALID', 'give exactly one of value and reference');
  }
  if (hasReference) {
    const reference = input.reference;
    if (
      typeof reference !== 'string' ||
      !(ENV_REFERENCE.test(reference) || FILE_REFERENCE.test(reference))
    ) {
      throw new VaultError(
        'SECRET_INVALID',
        'reference must be env:NAME or file:/absolute/path',
        'reference',
      );
    }
    return { kind: kind as SecretKind, description, reference };
  }
  const value = input.value;
  if (typeof value !== 'string' || value.length === 0) {
    throw new VaultError('SECRET_INVALID', 'value must be a non-empty string', 'value');
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_VALUE_BYTES) {
    throw new VaultError(
      'SECRET_INVALID',
      `value must be at most ${MAX_SECRET_VALUE_BYTES} bytes`,
      'value',
    );
  }
  return { kind: kind as SecretKind, description, value };
}
