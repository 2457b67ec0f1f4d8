const REFERENCE_BRAND = Symbol.for('weft.agent.secret-reference.error');
const RUN_SECRETS_BRAND = Symbol.for('weft.agent.run-secrets.error');

export const SECRET_REFERENCE_ERROR_CODES = [
  'SECRET_REFERENCE_INVALID',
  'SECRET_REFERENCE_NOT_ALLOWED',
  'SECRET_REFERENCE_MISSING',
  'SECRET_REFERENCE_UNREADABLE',
] as const;
export type SecretReferenceErrorCode = (typeof SECRET_REFERENCE_ERROR_CODES)[number];

/**
 * A secret reference this agent will not or cannot resolve. The message names the reference
 * (a variable name or host path the user wrote, never the secret) and the reason; it may be shown
 * to the user who configured the secret, so it never carries a value, a resolved real path or an
 * OS error text.
 */
export class SecretReferenceError extends Error {
  readonly [REFERENCE_BRAND] = true;
  override readonly name = 'SecretReferenceError';

  constructor(
    readonly code: SecretReferenceErrorCode,
    /** The reference as written, or null when it is not a well-formed reference (not echoed). */
    readonly reference: string | null,
    readonly reason: string,
  ) {
    super(
      reference === null
        ? `secret reference is invalid: ${reason}`
        : `secret reference ${reference} ${reason}`,
    );
  }

  static is(value: unknown): value is SecretReferenceError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [REFERENCE_BRAND]?: unknown })[REFERENCE_BRAND] === true
    );
  }
}

/** Why one secret of a run could not be resolved. */
export interface RunSecretFailure {
  /** The secret's name, or `#<index>` when the entry has no usable name. */
  readonly name: string;
  readonly code: SecretReferenceErrorCode;
  readonly message: string;
}

export type RunSecretsErrorCode = 'RUN_SECRETS_UNRESOLVED';

/** Some of a run's secrets could not be resolved: every failure, by name and code, never a value. */
export class RunSecretsError extends Error {
  readonly [RUN_SECRETS_BRAND] = true;
  override readonly name = 'RunSecretsError';
  readonly code: RunSecretsErrorCode = 'RUN_SECRETS_UNRESOLVED';

  constructor(readonly failures: readonly RunSecretFailure[]) {
    const count = failures.length === 1 ? '1 secret' : `${failures.length} secrets`;
    super(
      `${count} could not be resolved: ${failures
        .map((failure) => `${failure.name} (${failure.code}: ${failure.message})`)
        .join('; ')}`,
    );
  }

  static is(value: unknown): value is RunSecretsError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [RUN_SECRETS_BRAND]?: unknown })[RUN_SECRETS_BRAND] === true
    );
  }
}
