import { SecretValue } from '../config/secret-value.js';
import {
  parseSecretReference,
  resolveSecretReference,
  type SecretReferenceIo,
} from './resolve-secret-reference.js';
import {
  RunSecretsError,
  SecretReferenceError,
  type RunSecretFailure,
} from './secret-reference.error.js';
import type { SecretReferencePolicy } from './secret-reference-policy.js';
import { isValidVaultReference, isVaultReference } from './vault-secrets.js';

export const RUN_SECRET_KINDS = ['variable', 'credential'] as const;
export type RunSecretKind = (typeof RUN_SECRET_KINDS)[number];

/** One secret of a run as the control plane hands it over: a stored value, or a reference to resolve here. */
export type RunSecret =
  | { readonly name: string; readonly kind: RunSecretKind; readonly value: string }
  | { readonly name: string; readonly kind: RunSecretKind; readonly reference: string };

export interface ResolvedRunSecret {
  readonly name: string;
  readonly kind: RunSecretKind;
  /** Kept in the control plane's vault (fetched sealed for this run), or read here through an env:/file: reference. */
  readonly source: 'stored' | 'env' | 'file';
  /** Prints as [redacted]; `reveal()` only where a connector hands it to the endpoint. */
  readonly value: SecretValue;
}

// The vault's secret name rule (secret-input.ts of the control plane); the agent keeps its own copy.
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
/** Pieces of a multi-line secret shorter than this are not masked on their own (too common). */
const MIN_MASKED_LINE_LENGTH = 8;

/**
 * Resolves every secret of a run, in order. Stored values pass through; `vault:` references take
 * their value from `vault` (opened beforehand, see openVaultSecrets); env:/file: references are
 * resolved within `policy`. If any fails, throws one RunSecretsError listing each failing name and
 * code — the run needs all of them, and the user fixing it wants to see all problems at once.
 */
export async function resolveRunSecrets(
  secrets: readonly RunSecret[],
  policy: SecretReferencePolicy,
  io: SecretReferenceIo,
  vault: ReadonlyMap<string, SecretValue> = new Map(),
): Promise<ResolvedRunSecret[]> {
  const seen = new Set<string>();
  const outcomes = await Promise.all(
    secrets.map(async (secret, index): Promise<ResolvedRunSecret | RunSecretFailure> => {
      const shapeProblem = runSecretShapeProblem(secret);
      const name = shapeProblem === 'name' ? `#${index}` : secret.name;
      if (shapeProblem !== undefined) return invalid(name, shapeMessages[shapeProblem]);
      if (seen.has(name)) return invalid(name, 'the secret is listed more than once');
      seen.add(name);
      if ('value' in secret) {
        return { name, kind: secret.kind, source: 'stored', value: new SecretValue(secret.value) };
      }
      if (isVaultReference(secret.reference)) {
        if (!isValidVaultReference(secret.reference)) {
          return invalid(name, 'a vault reference must be vault:<id>');
        }
        const value = vault.get(name);
        if (value === undefined) {
          return {
            name,
            code: 'SECRET_REFERENCE_MISSING',
            message: 'the vault value was not fetched',
          };
        }
        return { name, kind: secret.kind, source: 'stored', value };
      }
      try {
        const value = await resolveSecretReference(secret.reference, policy, io);
        return {
          name,
          kind: secret.kind,
          source: parseSecretReference(secret.reference).scheme,
          value,
        };
      } catch (error) {
        if (!SecretReferenceError.is(error)) throw error;
        return { name, code: error.code, message: error.message };
      }
    }),
  );
  const failures = outcomes.filter((outcome): outcome is RunSecretFailure => 'code' in outcome);
  if (failures.length > 0) throw new RunSecretsError(failures);
  return outcomes as ResolvedRunSecret[];
}

/**
 * The plain values of resolved secrets, for the logger's masking (`logger.addSecretValues`) and
 * nothing else: each value, its URL-encoded form, and each longer line of a multi-line value
 * (a PEM key is often logged a line at a time).
 */
export function runSecretValuesOf(secrets: readonly ResolvedRunSecret[]): string[] {
  const values = new Set<string>();
  for (const secret of secrets) {
    const value = secret.value.reveal();
    if (value === '') continue;
    values.add(value);
    values.add(encodeURIComponent(value));
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= MIN_MASKED_LINE_LENGTH) values.add(line.trim());
    }
  }
  return [...values];
}

type ShapeProblem = 'name' | 'kind' | 'source';

const shapeMessages: Record<ShapeProblem, string> = {
  name: 'the secret has no valid name',
  kind: `the secret's kind must be one of ${RUN_SECRET_KINDS.join(', ')}`,
  source: 'the secret must carry exactly one of a value and a reference',
};

/** Secrets arrive over the wire: the static type is a hope until this says otherwise. */
function runSecretShapeProblem(secret: RunSecret): ShapeProblem | undefined {
  const entry: Record<string, unknown> =
    typeof secret === 'object' && secret !== null
      ? (secret as unknown as Record<string, unknown>)
      : {};
  if (typeof entry['name'] !== 'string' || !SECRET_NAME.test(entry['name'])) return 'name';
  if (!(RUN_SECRET_KINDS as readonly unknown[]).includes(entry['kind'])) return 'kind';
  const hasValue = typeof entry['value'] === 'string';
  const hasReference = typeof entry['reference'] === 'string';
  if (
    hasValue === hasReference ||
    (hasValue && 'reference' in entry) ||
    (hasReference && 'value' in entry)
  ) {
    return 'source';
  }
  return undefined;
}

function invalid(name: string, reason: string): RunSecretFailure {
  return { name, code: 'SECRET_REFERENCE_INVALID', message: reason };
}
