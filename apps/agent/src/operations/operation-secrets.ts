import type { Logger } from '@weft/log-schema';
import { registerSecret } from '../gateway/gateway-client.js';
import {
  resolveRunSecrets,
  runSecretValuesOf,
  type ResolvedRunSecret,
  type RunSecret,
} from '../secrets/resolve-run-secrets.js';
import type { SecretReferenceIo } from '../secrets/resolve-secret-reference.js';
import type { SecretReferencePolicy } from '../secrets/secret-reference-policy.js';
import {
  isValidVaultReference,
  isVaultReference,
  openVaultSecrets,
} from '../secrets/vault-secrets.js';

export interface OperationSecrets {
  /** Every secret of the run by name, resolved. */
  readonly byName: ReadonlyMap<string, ResolvedRunSecret>;
  /** Their plain values (and encoded forms), as registered with the run's log masking. */
  readonly maskedValues: readonly string[];
}

/**
 * Resolves a run's secrets: `vault:` ones fetched sealed for this attempt and opened, then every
 * one (env:/file: within `policy`). Each value is registered with the run logger's masking at once.
 */
export async function resolveOperationSecrets(
  run: { readonly runId: string },
  secrets: readonly RunSecret[],
  options: {
    readonly policy: SecretReferencePolicy;
    readonly io: SecretReferenceIo;
    readonly logger: Logger;
    readonly sealedSecrets: ((publicKey: string) => Promise<unknown>) | undefined;
  },
): Promise<OperationSecrets> {
  const vaultNames = secrets
    .filter(
      (secret) =>
        'reference' in secret &&
        isVaultReference(secret.reference) &&
        isValidVaultReference(secret.reference),
    )
    .map((secret) => secret.name);
  const vault = await openVaultSecrets(run.runId, [...new Set(vaultNames)], options.sealedSecrets);
  const resolved = await resolveRunSecrets(secrets, options.policy, options.io, vault);
  // Credentials are masked wherever they could appear; variables (a bucket, a host) are not
  // secrets, and masking short everyday words would redact the operation log's own lines.
  const maskedValues = runSecretValuesOf(resolved.filter((secret) => secret.kind === 'credential'));
  for (const value of maskedValues) registerSecret(options.logger, value);
  return { byName: new Map(resolved.map((secret) => [secret.name, secret])), maskedValues };
}
