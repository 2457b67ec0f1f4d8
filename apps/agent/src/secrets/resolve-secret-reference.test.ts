import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { makeTempDir } from '../../test/support/fixtures.js';
import type { SecretFileSystem } from './read-secret-file.js';
import { parseSecretReference, resolveSecretReference } from './resolve-secret-reference.js';
import { SecretReferenceError } from './secret-reference.error.js';
import type { SecretReferencePolicy } from './secret-reference-policy.js';

const KIB = 1024;
const mintSecret = (): string => `s3cr3t-${randomBytes(18).toString('base64url')}`;

let root: string;
let removeRoot: () => Promise<void>;
let allowed: string;
let value: string;
let policy: SecretReferencePolicy;

beforeAll(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  root = await nodeFs.realpath(root);
  allowed = join(root, 'allowed');
  value = mintSecret();
  const outside = join(root, 'outside');
  await nodeFs.mkdir(join(allowed, 'sub'), { recursive: true });
  await nodeFs.mkdir(join(allowed, 'a-directory'));
  await nodeFs.mkdir(outside);
  await nodeFs.mkdir(join(root, 'allowed-sibling'));
  await nodeFs.mkdir(join(root, 'state'));
  const files: Array<[string, string | Buffer]> = [
    [join(allowed, 'token.txt'), `${value}\n`],
    [join(allowed, 'crlf.txt'), `${value}\r\n`],
    [join(allowed, 'two-newlines.txt'), `${value}\n\n`],
    [join(allowed, 'sub', 'nested.txt'), value],
    [join(allowed, 'exactly-64k.txt'), 'x'.repeat(64 * KIB)],
    [join(allowed, 'too-large.txt'), 'x'.repeat(64 * KIB + 1)],
    [join(allowed, 'empty.txt'), '\n'],
    [join(allowed, 'latin1.bin'), Buffer.from([0x63, 0x61, 0x66, 0xe9])],
    [join(outside, 'secret.txt'), value],
    [join(root, 'allowed-sibling', 'secret.txt'), value],
    [join(root, 'state', 'identity.json'), value],
  ];
  for (const [path, content] of files) await nodeFs.writeFile(path, content);
  await nodeFs.symlink(join(outside, 'secret.txt'), join(allowed, 'escaping-link'));
  await nodeFs.symlink(outside, join(allowed, 'escaping-directory'));
  await nodeFs.symlink(join(allowed, 'sub', 'nested.txt'), join(allowed, 'inner-link'));
  execFileSync('mkfifo', [join(allowed, 'pipe')]);
  policy = { envVariables: [], fileDirectories: [allowed], protectedPaths: [join(root, 'state')] };
});
afterAll(() => removeRoot());

async function failure(promise: Promise<unknown>): Promise<SecretReferenceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!SecretReferenceError.is(error))
    throw new Error(`expected a SecretReferenceError, got ${inspect(error)}`);
  // Whatever went wrong, the error never carries the secret.
  expect(inspect(error, { depth: 5 })).not.toContain(value);
  expect(JSON.stringify(error)).not.toContain(value);
  return error;
}

const resolveFile = (path: string, filePolicy = policy) =>
  resolveSecretReference(`file:${path}`, filePolicy, { env: {} });

describe('file: references', () => {
  it('reads an allowed file, dropping one trailing newline', async () => {
    expect((await resolveFile(join(allowed, 'token.txt'))).reveal()).toBe(value);
    expect((await resolveFile(join(allowed, 'crlf.txt'))).reveal()).toBe(value);
    expect((await resolveFile(join(allowed, 'two-newlines.txt'))).reveal()).toBe(`${value}\n`);
    expect((await resolveFile(join(allowed, 'sub', 'nested.txt'))).reveal()).toBe(value);
  });

  it('returns a SecretValue that prints as [redacted]', async () => {
    const secret = await resolveFile(join(allowed, 'token.txt'));
    expect(`${secret}`).toBe('[redacted]');
    expect(JSON.stringify({ secret })).not.toContain(value);
    expect(inspect(secret)).not.toContain(value);
  });

  it('follows symlinks and `..` that stay inside an allowed directory', async () => {
    expect((await resolveFile(join(allowed, 'inner-link'))).reveal()).toBe(value);
    expect((await resolveFile(`${allowed}/sub/../sub/nested.txt`)).reveal()).toBe(value);
  });

  it('refuses a file outside every allowed directory, including a sibling sharing the prefix', async () => {
    for (const path of [
      join(root, 'outside', 'secret.txt'),
      join(root, 'allowed-sibling', 'secret.txt'),
      '/etc/passwd',
    ]) {
      const error = await failure(resolveFile(path));
      expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
      expect(error.message).toBe(
        `secret reference file:${path} is not allowed: it is outside the agent's secretFileDirectories (WEFT_AGENT_SECRET_FILE_DIRECTORIES)`,
      );
    }
  });

  it('refuses `..` that climbs out of an allowed directory', async () => {
    const error = await failure(resolveFile(`${allowed}/../outside/secret.txt`));
    expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
    const deep = await failure(resolveFile(`${allowed}/sub/../../../../../etc/passwd`));
    expect(deep.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
  });

  it('refuses symlinks whose real path escapes, without naming where they point', async () => {
    for (const path of [
      join(allowed, 'escaping-link'),
      join(allowed, 'escaping-directory', 'secret.txt'),
    ]) {
      const error = await failure(resolveFile(path));
      expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
      expect(error.message).toContain('real path (after following symbolic links) is outside');
      expect(error.message).not.toContain(join(root, 'outside'));
    }
  });

  it('refuses the agent own files even when a hand-built policy allows their parent', async () => {
    const wide = { ...policy, fileDirectories: [root] };
    const error = await failure(resolveFile(join(root, 'state', 'identity.json'), wide));
    expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
    expect(error.message).toContain("one of the agent's own files");
    expect((await resolveFile(join(root, 'outside', 'secret.txt'), wide)).reveal()).toBe(value);
  });

  it('refuses everything when no directory is allowed', async () => {
    const none = { ...policy, fileDirectories: [] };
    const error = await failure(resolveFile(join(allowed, 'token.txt'), none));
    expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
  });

  it('does not touch the file system for a refused path, so it reveals nothing about the host', async () => {
    const touched: string[] = [];
    const fs: SecretFileSystem = {
      realpath: ((path: string) => {
        touched.push(path);
        return nodeFs.realpath(path);
      }) as SecretFileSystem['realpath'],
      open: ((path: string, flags?: number) => {
        touched.push(path);
        return nodeFs.open(path, flags);
      }) as SecretFileSystem['open'],
    };
    const io = { env: {}, fs };
    const refused = await failure(resolveSecretReference('file:/etc/shadow', policy, io));
    expect(refused.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
    expect(touched).toEqual([]);
    const path = join(allowed, 'token.txt');
    expect((await resolveSecretReference(`file:${path}`, policy, io)).reveal()).toBe(value);
    expect(touched).toContain(path);
  });

  it.each([
    ['a directory', 'a-directory', 'SECRET_REFERENCE_UNREADABLE', 'it is not a regular file'],
    ['a FIFO (without hanging)', 'pipe', 'SECRET_REFERENCE_UNREADABLE', 'not a regular file'],
    ['a file over 64 KiB', 'too-large.txt', 'SECRET_REFERENCE_UNREADABLE', 'larger than 64 KiB'],
    ['a file that is not UTF-8', 'latin1.bin', 'SECRET_REFERENCE_UNREADABLE', 'not UTF-8 text'],
    ['a missing file', 'no-such-file', 'SECRET_REFERENCE_MISSING', 'no such file'],
    ['a path through a file', 'token.txt/child', 'SECRET_REFERENCE_MISSING', 'no such file'],
    ['an empty file', 'empty.txt', 'SECRET_REFERENCE_MISSING', 'the file is empty'],
  ])('reports %s', async (_what, name, code, reason) => {
    const error = await failure(resolveFile(join(allowed, name)));
    expect(error.code).toBe(code);
    expect(error.message).toContain(`secret reference file:${join(allowed, name)} is`);
    expect(error.message).toContain(reason);
  });

  it('reads a file of exactly 64 KiB', async () => {
    expect((await resolveFile(join(allowed, 'exactly-64k.txt'))).reveal()).toHaveLength(64 * KIB);
  });

  it('names only the errno code when the file system refuses', async () => {
    const denied = Object.assign(new Error(`EACCES: permission denied, open '${allowed}'`), {
      code: 'EACCES',
    });
    const fs: SecretFileSystem = {
      realpath: nodeFs.realpath,
      open: (() => Promise.reject(denied)) as SecretFileSystem['open'],
    };
    const error = await failure(
      resolveSecretReference(`file:${join(allowed, 'token.txt')}`, policy, { env: {}, fs }),
    );
    expect(error.code).toBe('SECRET_REFERENCE_UNREADABLE');
    expect(error.message).toMatch(/the file cannot be read \(EACCES\)$/);
  });
});

describe('env: references', () => {
  const envPolicy = (...envVariables: string[]): SecretReferencePolicy => ({
    ...policy,
    envVariables,
  });

  it('reads a variable allowed by exact name or by prefix', async () => {
    const env = { CRM_TOKEN: value, WEFT_SECRET_ERP: `${value}-erp` };
    const allowList = envPolicy('CRM_TOKEN', 'WEFT_SECRET_*');
    expect((await resolveSecretReference('env:CRM_TOKEN', allowList, { env })).reveal()).toBe(
      value,
    );
    expect((await resolveSecretReference('env:WEFT_SECRET_ERP', allowList, { env })).reveal()).toBe(
      `${value}-erp`,
    );
  });

  it('refuses a variable that is not allowed, before looking at the environment', async () => {
    const env = { CRM_TOKEN: value, CRM_TOKEN_OLD: value, AWS_SECRET_ACCESS_KEY: value };
    const allowList = envPolicy('CRM_TOKEN', 'WEFT_SECRET_*');
    for (const name of ['CRM_TOKEN_OLD', 'AWS_SECRET_ACCESS_KEY', 'WEFT_SECRETX', 'crm_token']) {
      const error = await failure(resolveSecretReference(`env:${name}`, allowList, { env }));
      expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
      expect(error.message).toBe(
        `secret reference env:${name} is not allowed: ${name} is not listed in the agent's secretEnvVariables (WEFT_AGENT_SECRET_ENV_VARIABLES)`,
      );
    }
    const none = await failure(resolveSecretReference('env:CRM_TOKEN', policy, { env }));
    expect(none.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
  });

  it('never reads the agent own WEFT_AGENT_* settings, whatever the policy says', async () => {
    const env = { WEFT_AGENT_ENROLMENT_TOKEN: value, weft_agent_proxy_url: value };
    const reckless = envPolicy(
      'WEFT_AGENT_*',
      'WEFT_AGENT_ENROLMENT_TOKEN',
      'weft_agent_proxy_url',
    );
    for (const name of ['WEFT_AGENT_ENROLMENT_TOKEN', 'weft_agent_proxy_url']) {
      const error = await failure(resolveSecretReference(`env:${name}`, reckless, { env }));
      expect(error.code).toBe('SECRET_REFERENCE_NOT_ALLOWED');
      expect(error.message).toContain("WEFT_AGENT_* variables are the agent's own settings");
    }
  });

  it('reports a variable that is unset, empty, or only on the prototype', async () => {
    const allowList = envPolicy('CRM_*', 'constructor');
    const cases: Array<[string, Record<string, string>, string]> = [
      ['env:CRM_TOKEN', {}, 'the variable is not set'],
      ['env:CRM_TOKEN', { CRM_TOKEN: '' }, 'the variable is empty'],
      ['env:constructor', {}, 'the variable is not set'],
    ];
    for (const [reference, env, reason] of cases) {
      const error = await failure(resolveSecretReference(reference, allowList, { env }));
      expect(error.code).toBe('SECRET_REFERENCE_MISSING');
      expect(error.message).toContain(reason);
    }
  });

  it('refuses a value over 64 KiB', async () => {
    const env = { CRM_TOKEN: 'x'.repeat(64 * KIB + 1) };
    const error = await failure(
      resolveSecretReference('env:CRM_TOKEN', envPolicy('CRM_TOKEN'), { env }),
    );
    expect(error.code).toBe('SECRET_REFERENCE_UNREADABLE');
  });
});

describe('parseSecretReference', () => {
  it('parses env:NAME and file:/absolute/path', () => {
    expect(parseSecretReference('env:CRM_TOKEN')).toEqual({ scheme: 'env', name: 'CRM_TOKEN' });
    expect(parseSecretReference('file:/etc/weft/key.pem')).toEqual({
      scheme: 'file',
      path: '/etc/weft/key.pem',
    });
    expect(parseSecretReference(`file:/${'a'.repeat(1024)}`)).toMatchObject({ scheme: 'file' });
  });

  it.each([
    ['another scheme', 'vault:kv/crm'],
    ['a name with a space', 'env:CRM TOKEN'],
    ['a name starting with a digit', 'env:1TOKEN'],
    ['a relative path', 'file:relative/path'],
    ['a path with whitespace', 'file:/srv/my secrets/x'],
    ['a path with a NUL byte', 'file:/srv/secrets/x\0.txt'],
    ['a path with a control character', 'file:/srv/secrets/x\u001b.txt'],
    ['a reference over 1030 characters', `file:/${'a'.repeat(1025)}`],
    ['no reference at all', undefined],
  ])('refuses %s without echoing it', (_what, reference) => {
    let caught: unknown;
    try {
      parseSecretReference(reference);
    } catch (error) {
      caught = error;
    }
    if (!SecretReferenceError.is(caught)) throw new Error('expected a SecretReferenceError');
    expect(caught.code).toBe('SECRET_REFERENCE_INVALID');
    expect(caught.reference).toBeNull();
    expect(caught.message).toBe(
      'secret reference is invalid: must be env:NAME or file:/absolute/path (no whitespace, at most 1030 characters)',
    );
  });
});
