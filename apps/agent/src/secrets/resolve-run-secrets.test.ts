import { randomBytes } from 'node:crypto';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { capturedLogger, makeTempDir } from '../../test/support/fixtures.js';
import { SecretValue } from '../config/secret-value.js';
import { resolveRunSecrets, runSecretValuesOf, type RunSecret } from './resolve-run-secrets.js';
import { RunSecretsError } from './secret-reference.error.js';
import type { SecretReferencePolicy } from './secret-reference-policy.js';

const mintSecret = (): string => `s3cr3t-${randomBytes(18).toString('base64url')}`;

let root: string;
let removeRoot: () => Promise<void>;
let policy: SecretReferencePolicy;
let stored: string;
let fromEnv: string;
let fromFile: string;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  root = await realpath(root);
  await mkdir(join(root, 'secrets'));
  [stored, fromEnv, fromFile] = [mintSecret(), mintSecret(), mintSecret()];
  await writeFile(join(root, 'secrets', 'erp.key'), `${fromFile}\n`);
  await writeFile(join(root, 'elsewhere.key'), fromFile);
  policy = {
    envVariables: ['CRM_*'],
    fileDirectories: [join(root, 'secrets')],
    protectedPaths: [],
  };
});
afterEach(() => removeRoot());

async function runSecretsError(promise: Promise<unknown>): Promise<RunSecretsError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!RunSecretsError.is(error))
    throw new Error(`expected a RunSecretsError, got ${inspect(error)}`);
  for (const secret of [stored, fromEnv, fromFile]) {
    expect(inspect(error, { depth: 5 })).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  }
  return error;
}

describe('resolveRunSecrets', () => {
  it('takes vault: values from the opened vault secrets, as stored ones', async () => {
    const vault = new Map([['PG_PASSWORD', new SecretValue(stored)]]);
    const resolved = await resolveRunSecrets(
      [
        { name: 'PG_PASSWORD', kind: 'credential', reference: 'vault:0b5c1f4e-8d1a-4a63' },
        { name: 'crm_token', kind: 'credential', reference: 'env:CRM_TOKEN' },
      ],
      policy,
      { env: { CRM_TOKEN: fromEnv } },
      vault,
    );
    expect(resolved.map((secret) => [secret.name, secret.source, secret.value.reveal()])).toEqual([
      ['PG_PASSWORD', 'stored', stored],
      ['crm_token', 'env', fromEnv],
    ]);
    const error = await runSecretsError(
      resolveRunSecrets(
        [
          { name: 'NOT_FETCHED', kind: 'credential', reference: 'vault:abc' },
          { name: 'MALFORMED', kind: 'variable', reference: 'vault:../x' },
        ],
        policy,
        { env: {} },
        vault,
      ),
    );
    expect(error.failures.map((failure) => [failure.name, failure.code])).toEqual([
      ['NOT_FETCHED', 'SECRET_REFERENCE_MISSING'],
      ['MALFORMED', 'SECRET_REFERENCE_INVALID'],
    ]);
  });

  it('passes stored values through and resolves references, all as SecretValue', async () => {
    const resolved = await resolveRunSecrets(
      [
        { name: 'erp.password', kind: 'credential', value: stored },
        { name: 'crm_token', kind: 'credential', reference: 'env:CRM_TOKEN' },
        {
          name: 'erp-key',
          kind: 'variable',
          reference: `file:${join(root, 'secrets', 'erp.key')}`,
        },
      ],
      policy,
      { env: { CRM_TOKEN: fromEnv } },
    );
    expect(resolved.map(({ name, kind, source }) => ({ name, kind, source }))).toEqual([
      { name: 'erp.password', kind: 'credential', source: 'stored' },
      { name: 'crm_token', kind: 'credential', source: 'env' },
      { name: 'erp-key', kind: 'variable', source: 'file' },
    ]);
    expect(resolved.map((secret) => secret.value.reveal())).toEqual([stored, fromEnv, fromFile]);
    for (const printed of [JSON.stringify(resolved), inspect(resolved, { depth: 5 })]) {
      for (const secret of [stored, fromEnv, fromFile]) expect(printed).not.toContain(secret);
    }
  });

  it('collects every failure into one error naming each secret and code, never a value', async () => {
    const error = await runSecretsError(
      resolveRunSecrets(
        [
          { name: 'fine', kind: 'credential', value: stored },
          { name: 'aws', kind: 'credential', reference: 'env:AWS_SECRET_ACCESS_KEY' },
          { name: 'crm', kind: 'credential', reference: 'env:CRM_TOKEN' },
          { name: 'outside', kind: 'credential', reference: `file:${join(root, 'elsewhere.key')}` },
          { name: 'gone', kind: 'credential', reference: `file:${join(root, 'secrets', 'gone')}` },
          { name: 'odd', kind: 'credential', reference: 'vault:kv/x' },
        ],
        policy,
        { env: { AWS_SECRET_ACCESS_KEY: fromEnv } },
      ),
    );
    expect(error.code).toBe('RUN_SECRETS_UNRESOLVED');
    expect(error.failures.map(({ name, code }) => [name, code])).toEqual([
      ['aws', 'SECRET_REFERENCE_NOT_ALLOWED'],
      ['crm', 'SECRET_REFERENCE_MISSING'],
      ['outside', 'SECRET_REFERENCE_NOT_ALLOWED'],
      ['gone', 'SECRET_REFERENCE_MISSING'],
      ['odd', 'SECRET_REFERENCE_INVALID'],
    ]);
    expect(error.message).toMatch(
      /^5 secrets could not be resolved: aws \(SECRET_REFERENCE_NOT_ALLOWED: /,
    );
    expect(error.message).toContain(
      'crm (SECRET_REFERENCE_MISSING: secret reference env:CRM_TOKEN',
    );
  });

  it('refuses entries of the wrong shape and duplicate names', async () => {
    const entries = [
      { name: 'twice', kind: 'credential', value: stored },
      { name: 'twice', kind: 'variable', value: stored },
      { name: 'both', kind: 'credential', value: stored, reference: 'env:CRM_TOKEN' },
      { name: 'neither', kind: 'credential' },
      { name: 'kindless', kind: 'password', value: stored },
      { name: 'has space', kind: 'credential', value: stored },
    ] as unknown as RunSecret[];
    const error = await runSecretsError(resolveRunSecrets(entries, policy, { env: {} }));
    expect(error.failures).toEqual([
      {
        name: 'twice',
        code: 'SECRET_REFERENCE_INVALID',
        message: 'the secret is listed more than once',
      },
      {
        name: 'both',
        code: 'SECRET_REFERENCE_INVALID',
        message: 'the secret must carry exactly one of a value and a reference',
      },
      {
        name: 'neither',
        code: 'SECRET_REFERENCE_INVALID',
        message: 'the secret must carry exactly one of a value and a reference',
      },
      {
        name: 'kindless',
        code: 'SECRET_REFERENCE_INVALID',
        message: "the secret's kind must be one of variable, credential",
      },
      { name: '#5', code: 'SECRET_REFERENCE_INVALID', message: 'the secret has no valid name' },
    ]);
  });

  it('resolves an empty list to nothing', async () => {
    expect(await resolveRunSecrets([], policy, { env: {} })).toEqual([]);
  });
});

describe('runSecretValuesOf', () => {
  it('gives the logger what it needs to mask every resolved value', async () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${randomBytes(48).toString('base64')}\nshort\n-----END CERTIFICATE-----`;
    const resolved = await resolveRunSecrets(
      [
        { name: 'a', kind: 'credential', value: `${stored}/+&` },
        { name: 'b', kind: 'credential', reference: 'env:CRM_TOKEN' },
        { name: 'c', kind: 'credential', reference: `file:${join(root, 'secrets', 'erp.key')}` },
        { name: 'd', kind: 'variable', value: pem },
      ],
      policy,
      { env: { CRM_TOKEN: fromEnv } },
    );
    const values = runSecretValuesOf(resolved);
    expect(values).toEqual(
      expect.arrayContaining([
        `${stored}/+&`,
        encodeURIComponent(`${stored}/+&`),
        fromEnv,
        fromFile,
        pem,
      ]),
    );
    expect(values).not.toContain('short');

    const { logger, lines } = capturedLogger();
    logger.addSecretValues(values);
    const pemLine = pem.split('\n')[1] ?? '';
    logger.info(`connector said ${fromEnv} and ${fromFile}`, {
      url: `https://erp.example.com/?key=${encodeURIComponent(`${stored}/+&`)}`,
      keyLine: pemLine,
    });
    const written = lines.join('\n');
    for (const secret of [fromEnv, fromFile, encodeURIComponent(`${stored}/+&`), pemLine]) {
      expect(written).not.toContain(secret);
    }
    expect(written).toContain('connector said');
  });
});
