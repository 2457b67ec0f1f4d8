import * as nodeFs from 'node:fs/promises';
import { SecretValue } from '../config/secret-value.js';
import {
  MAX_SECRET_VALUE_BYTES,
  readSecretFile,
  type SecretFileSystem,
} from './read-secret-file.js';
import { SecretReferenceError } from './secret-reference.error.js';
import {
  isAgentOwnVariable,
  isEnvVariableAllowed,
  type SecretReferencePolicy,
} from './secret-reference-policy.js';

/** `file:` plus an absolute path of at most 1025 characters. */
export const MAX_SECRET_REFERENCE_LENGTH = 1030;

export type SecretReference =
  | { readonly scheme: 'env'; readonly name: string }
  | { readonly scheme: 'file'; readonly path: string };

/** What resolution touches of the host; tests pass their own environment (and may pass a file system). */
export interface SecretReferenceIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Defaults to node:fs/promises. */
  readonly fs?: SecretFileSystem;
}

const ENV_REFERENCE = /^env:([A-Za-z_][A-Za-z0-9_]{0,127})$/;
const FILE_REFERENCE = /^file:(\/\S+)$/;

/** Parses `env:NAME` or `file:/absolute/path`; anything else is SECRET_REFERENCE_INVALID (and not echoed). */
export function parseSecretReference(reference: unknown): SecretReference {
  if (typeof reference === 'string' && reference.length <= MAX_SECRET_REFERENCE_LENGTH) {
    const env = ENV_REFERENCE.exec(reference);
    if (env?.[1] !== undefined) return { scheme: 'env', name: env[1] };
    const file = FILE_REFERENCE.exec(reference);
    if (file?.[1] !== undefined && !hasControlCharacter(file[1])) {
      return { scheme: 'file', path: file[1] };
    }
  }
  throw new SecretReferenceError(
    'SECRET_REFERENCE_INVALID',
    null,
    `must be env:NAME or file:/absolute/path (no whitespace, at most ${MAX_SECRET_REFERENCE_LENGTH} characters)`,
  );
}

/**
 * Turns one reference into its value on this agent, within the operator's policy. Throws
 * SecretReferenceError (INVALID, NOT_ALLOWED, MISSING, UNREADABLE); never includes the value.
 */
export async function resolveSecretReference(
  reference: string,
  policy: SecretReferencePolicy,
  io: SecretReferenceIo,
): Promise<SecretValue> {
  const parsed = parseSecretReference(reference);
  if (parsed.scheme === 'env')
    return new SecretValue(readEnvSecret(reference, parsed.name, policy, io.env));
  const text = await readSecretFile(reference, parsed.path, policy, io.fs ?? nodeFs);
  return new SecretValue(text);
}

function readEnvSecret(
  reference: string,
  name: string,
  policy: SecretReferencePolicy,
  env: SecretReferenceIo['env'],
): string {
  // The allow-list is checked before the environment is looked at: a refused reference learns nothing.
  if (isAgentOwnVariable(name)) {
    throw new SecretReferenceError(
      'SECRET_REFERENCE_NOT_ALLOWED',
      reference,
      "is not allowed: WEFT_AGENT_* variables are the agent's own settings and are never readable",
    );
  }
  if (!isEnvVariableAllowed(name, policy)) {
    throw new SecretReferenceError(
      'SECRET_REFERENCE_NOT_ALLOWED',
      reference,
      `is not allowed: ${name} is not listed in the agent's secretEnvVariables (WEFT_AGENT_SECRET_ENV_VARIABLES)`,
    );
  }
  // hasOwn: names like `constructor` must not reach the prototype of a plain-object environment.
  const value = Object.hasOwn(env, name) ? env[name] : undefined;
  if (typeof value !== 'string') {
    throw new SecretReferenceError(
      'SECRET_REFERENCE_MISSING',
      reference,
      "is missing: the variable is not set in the agent's environment",
    );
  }
  if (value === '') {
    throw new SecretReferenceError(
      'SECRET_REFERENCE_MISSING',
      reference,
      'is missing: the variable is empty',
    );
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_VALUE_BYTES) {
    throw new SecretReferenceError(
      'SECRET_REFERENCE_UNREADABLE',
      reference,
      `is unreadable: the value is larger than ${MAX_SECRET_VALUE_BYTES / 1024} KiB`,
    );
  }
  return value;
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
