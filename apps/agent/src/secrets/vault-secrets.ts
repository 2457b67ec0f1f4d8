import { setTimeout as sleep } from 'node:timers/promises';
import { CryptoError, generateSealingKeyPair, openSealed, type SealedValue } from '@weft/crypto';
import { SecretValue } from '../config/secret-value.js';
import { AgentGatewayError } from '../gateway/gateway.error.js';
import { OperationRunError } from '../operations/operation-run.error.js';

const VAULT_PREFIX = 'vault:';
/** What follows `vault:`: the vault secret's id (a UUID in practice). */
const VAULT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** How long to wait before asking again when the control plane does not know the run started yet. */
const NOT_RUNNING_RETRY_DELAYS_MS = [250, 500, 1000, 2000];

/** Whether a run secret's reference names a value kept in the control plane's vault. */
export function isVaultReference(reference: string): boolean {
  return reference.startsWith(VAULT_PREFIX);
}

/** Whether a vault reference is well formed: `vault:<id>`. */
export function isValidVaultReference(reference: string): boolean {
  return VAULT_ID.test(reference.slice(VAULT_PREFIX.length)) && isVaultReference(reference);
}

/**
 * Fetches the run's vault secrets named in `names` and opens them: a fresh X25519 key pair for
 * this attempt, its public key sent with the lease (`fetchSealed`), each answer opened under
 * `<runId>|<name>`. The private key never leaves this function. A `409 RUN_NOT_RUNNING` is asked
 * again after each of `retryDelaysMs` (the control plane may not have read the run's start yet).
 * Any secret that cannot be had — no vault on this work source, a refusal, missing from the
 * answer, failing to open — fails the run with `secret_unavailable` naming every such secret
 * (never a value).
 */
export async function openVaultSecrets(
  runId: string,
  names: readonly string[],
  fetchSealed: ((publicKey: string) => Promise<unknown>) | undefined,
  retryDelaysMs: readonly number[] = NOT_RUNNING_RETRY_DELAYS_MS,
): Promise<Map<string, SecretValue>> {
  if (names.length === 0) return new Map();
  if (fetchSealed === undefined) {
    throw unavailable(names, 'this agent’s work source has no vault to ask');
  }
  const keys = generateSealingKeyPair();
  let answer: unknown;
  for (let attempt = 0; ; attempt += 1) {
    try {
      answer = await fetchSealed(keys.publicKey);
      break;
    } catch (error) {
      // The control plane learns that the run started from the run.started event, which it reads
      // from JetStream a moment after the gateway stored it: asked at once, it may not know yet.
      const delay = retryDelaysMs[attempt];
      if (!notRunningYet(error) || delay === undefined) throw unavailable(names, refusalOf(error));
      await sleep(delay);
    }
  }
  const sealed = sealedByName(answer);
  const opened = new Map<string, SecretValue>();
  const missing: string[] = [];
  const unopened: string[] = [];
  for (const name of names) {
    const entry = sealed.get(name);
    if (entry === undefined) {
      missing.push(name);
      continue;
    }
    try {
      opened.set(name, new SecretValue(openSealed(entry, keys.privateKey, `${runId}|${name}`)));
    } catch (error) {
      if (!CryptoError.is(error)) throw error;
      unopened.push(name);
    }
  }
  const problems = [
    ...(missing.length > 0 ? [`${list(missing)} missing from the control plane’s answer`] : []),
    ...(unopened.length > 0 ? [`${list(unopened)} could not be opened (SEAL_INVALID)`] : []),
  ];
  if (problems.length > 0) {
    throw new OperationRunError(
      'secret_unavailable',
      `vault secrets unavailable: ${problems.join('; ')}`,
    );
  }
  return opened;
}

/** The answer's sealed values by name; anything malformed is simply not there. */
function sealedByName(answer: unknown): Map<string, SealedValue> {
  const byName = new Map<string, SealedValue>();
  const secrets = (answer as { secrets?: unknown } | null)?.secrets;
  if (!Array.isArray(secrets)) return byName;
  for (const entry of secrets as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { name, ephemeralPublicKey, nonce, ciphertext } = entry as Record<string, unknown>;
    if (
      typeof name === 'string' &&
      typeof ephemeralPublicKey === 'string' &&
      typeof nonce === 'string' &&
      typeof ciphertext === 'string' &&
      !byName.has(name)
    ) {
      byName.set(name, { ephemeralPublicKey, nonce, ciphertext });
    }
  }
  return byName;
}

function notRunningYet(error: unknown): boolean {
  return AgentGatewayError.is(error) && error.gatewayCode === 'RUN_NOT_RUNNING';
}

function refusalOf(error: unknown): string {
  if (!AgentGatewayError.is(error)) return 'asking the gateway failed';
  if (error.status === null) return `the gateway could not be asked (${error.code})`;
  const code = error.gatewayCode === null ? '' : ` ${error.gatewayCode}`;
  return `the gateway answered ${error.status}${code}`;
}

function unavailable(names: readonly string[], reason: string): OperationRunError {
  return new OperationRunError(
    'secret_unavailable',
    `vault secrets unavailable: ${list(names)}: ${reason}`,
  );
}

function list(names: readonly string[]): string {
  return names.join(', ');
}
