import { sealForRecipient } from '@weft/crypto';
import { AgentGatewayError } from '../gateway/gateway.error.js';
import { OperationRunError } from '../operations/operation-run.error.js';
import { isValidVaultReference, openVaultSecrets } from './vault-secrets.js';

const RUN_ID = '3d1f0a52-8a0b-4c4e-9d6e-2b7c1a9e5f10';
const VAULT: Record<string, string> = { PG_PASSWORD: 'pg-from-vault', S3_SECRET: 's3-from-vault' };

/** The control plane's side: seals what it holds for the key it is given. */
function controlPlane(options: { runId?: string; only?: string[]; tamper?: string } = {}): {
  fetch: (publicKey: string) => Promise<unknown>;
  keys: string[];
} {
  const keys: string[] = [];
  return {
    keys,
    fetch: async (publicKey) => {
      keys.push(publicKey);
      const names = options.only ?? Object.keys(VAULT);
      return {
        secrets: names.map((name) => {
          const sealed = sealForRecipient(
            VAULT[name]!,
            publicKey,
            `${options.runId ?? RUN_ID}|${name}`,
          );
          if (options.tamper === name) sealed.ciphertext = `A${sealed.ciphertext.slice(1)}`;
          return { name, ...sealed };
        }),
      };
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<OperationRunError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!OperationRunError.is(error))
    throw new Error(`expected secret_unavailable, got ${String(error)}`);
  return error;
}

describe('openVaultSecrets', () => {
  it('asks with a fresh public key per attempt and opens each value under <runId>|<name>', async () => {
    const { fetch, keys } = controlPlane();
    const first = await openVaultSecrets(RUN_ID, ['PG_PASSWORD', 'S3_SECRET'], fetch);
    expect([...first].map(([name, value]) => [name, value.reveal()])).toEqual([
      ['PG_PASSWORD', 'pg-from-vault'],
      ['S3_SECRET', 's3-from-vault'],
    ]);
    expect(String(first.get('PG_PASSWORD'))).toBe('[redacted]');
    await openVaultSecrets(RUN_ID, ['PG_PASSWORD'], fetch);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('asks nothing when the run names no vault secret', async () => {
    const { fetch, keys } = controlPlane();
    expect((await openVaultSecrets(RUN_ID, [], fetch)).size).toBe(0);
    expect(keys).toEqual([]);
  });

  it('fails secret_unavailable naming what is missing, what does not open, never a value', async () => {
    const missing = await failure(
      openVaultSecrets(RUN_ID, ['PG_PASSWORD', 'API_TOKEN'], controlPlane().fetch),
    );
    expect(missing.code).toBe('secret_unavailable');
    expect(missing.message).toBe(
      'vault secrets unavailable: API_TOKEN missing from the control plane’s answer',
    );
    const tampered = await failure(
      openVaultSecrets(
        RUN_ID,
        ['PG_PASSWORD', 'S3_SECRET'],
        controlPlane({ tamper: 'S3_SECRET' }).fetch,
      ),
    );
    expect(tampered.message).toBe(
      'vault secrets unavailable: S3_SECRET could not be opened (SEAL_INVALID)',
    );
    // Sealed for another run: the context differs, so nothing opens (no replay across runs).
    const replayed = await failure(
      openVaultSecrets(RUN_ID, ['PG_PASSWORD'], controlPlane({ runId: 'another-run' }).fetch),
    );
    expect(replayed.message).toContain('PG_PASSWORD could not be opened');
    for (const error of [missing, tampered, replayed]) {
      expect(error.message).not.toMatch(/from-vault/);
    }
  });

  it('fails secret_unavailable with the gateway’s refusal, or when there is no vault to ask', async () => {
    const refused = await failure(
      openVaultSecrets(RUN_ID, ['PG_PASSWORD', 'S3_SECRET'], async () => {
        throw new AgentGatewayError(
          'GATEWAY_REFUSED',
          'POST /agent/v1/runs/secrets answered 404 SECRET_NOT_FOUND',
          404,
          'SECRET_NOT_FOUND',
        );
      }),
    );
    expect(refused.message).toBe(
      'vault secrets unavailable: PG_PASSWORD, S3_SECRET: the gateway answered 404 SECRET_NOT_FOUND',
    );
    const none = await failure(openVaultSecrets(RUN_ID, ['PG_PASSWORD'], undefined));
    expect(none.message).toContain('PG_PASSWORD: this agent’s work source has no vault to ask');
    const garbage = await failure(
      openVaultSecrets(RUN_ID, ['PG_PASSWORD'], async () => 'nonsense'),
    );
    expect(garbage.message).toContain('PG_PASSWORD missing');
  });

  it('asks again while the control plane has not yet seen the run start (409 RUN_NOT_RUNNING)', async () => {
    const notYet = () =>
      new AgentGatewayError('GATEWAY_REFUSED', 'answered 409', 409, 'RUN_NOT_RUNNING');
    let calls = 0;
    const { fetch } = controlPlane();
    const opened = await openVaultSecrets(
      RUN_ID,
      ['PG_PASSWORD'],
      async (publicKey) => {
        calls += 1;
        if (calls < 3) throw notYet();
        return fetch(publicKey);
      },
      [1, 1, 1],
    );
    expect(opened.get('PG_PASSWORD')?.reveal()).toBe('pg-from-vault');
    expect(calls).toBe(3);

    let refusals = 0;
    const gaveUp = await failure(
      openVaultSecrets(
        RUN_ID,
        ['PG_PASSWORD'],
        async () => {
          refusals += 1;
          throw notYet();
        },
        [1, 1],
      ),
    );
    expect(refusals).toBe(3);
    expect(gaveUp.message).toBe(
      'vault secrets unavailable: PG_PASSWORD: the gateway answered 409 RUN_NOT_RUNNING',
    );
  });

  it('tells well-formed vault references', () => {
    expect(isValidVaultReference('vault:6a0d0c1e-3b1f-4f0e-9a55-0c1d2e3f4a5b')).toBe(true);
    expect(isValidVaultReference('vault:')).toBe(false);
    expect(isValidVaultReference('vault:../etc')).toBe(false);
    expect(isValidVaultReference('env:vault:x')).toBe(false);
  });
});
