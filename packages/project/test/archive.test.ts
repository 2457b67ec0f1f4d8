import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import {
  MAX_ARCHIVE_BYTES,
  createProjectArchive,
  parseProjectFolder,
  readProjectArchive,
  validateProject,
  type ProjectDocument,
} from '../src/index.js';
import { fixtureFiles, problemsOf } from './support.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example: ProjectDocument = parseProjectFolder(fixtureFiles());
const fresh = (): Data => JSON.parse(JSON.stringify(example)) as Data;

// Keys are minted per test run; nothing is hard-coded.
const keys = new Map<string, KeyObject>();
const signer = (keyId: string) => {
  const pair = generateKeyPairSync('ed25519');
  keys.set(keyId, pair.publicKey);
  return {
    sign: (bytes: Uint8Array) => ({
      keyId,
      signature: sign(null, bytes, pair.privateKey).toString('base64url'),
    }),
  };
};
const verifier = {
  verify(keyId: string, bytes: Uint8Array, signature: string): boolean {
    const key = keys.get(keyId);
    if (!key) throw new Error('unknown key');
    return verify(null, bytes, key, Buffer.from(signature, 'base64url'));
  },
};
const installation = signer('installation-1');

// the example with its source interface kept in the file service
const schemaText = `${JSON.stringify(example.interfaces['order']?.schema, null, 2)}\n`;
const sha = createHash('sha256').update(schemaText).digest('hex');
const withFile = (): ProjectDocument => {
  const project = fresh();
  project['interfaces']['order'] = { format: 'json-schema', file: `sha256:${sha}` };
  return validateProject(project);
};
const files = new Map([[sha, schemaText]]);

describe('project archives', () => {
  it('signs a project with its files, and reads it back verified', () => {
    const archive = createProjectArchive(withFile(), { ...installation, files });
    const envelope = JSON.parse(archive);
    expect(Object.keys(envelope)).toEqual(['format', 'version', 'project', 'files', 'signature']);
    expect(envelope.format).toBe('weft-project-archive');
    expect(envelope.files).toEqual([
      { sha256: sha, base64: Buffer.from(schemaText).toString('base64') },
    ]);
    expect(envelope.signature.keyId).toBe('installation-1');

    const read = readProjectArchive(archive, verifier);
    expect(read.project).toEqual(withFile());
    expect(read.keyId).toBe('installation-1');
    expect([...read.files]).toEqual([[sha, schemaText]]);
    // bytes work as well as text, and so does another key order (the signature covers the data)
    expect(readProjectArchive(Buffer.from(archive), verifier).project).toEqual(withFile());
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(envelope).reverse()),
      null,
      2,
    );
    expect(readProjectArchive(reordered, verifier).project).toEqual(withFile());
  });

  it('fails when any one byte is flipped', () => {
    const archive = Buffer.from(createProjectArchive(withFile(), { ...installation, files }));
    const original = readProjectArchive(archive, verifier);
    let refused = 0;
    for (let at = 0; at < archive.length; at += 1) {
      const tampered = Buffer.from(archive);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      try {
        // the signature covers the data, not the bytes: a flip that read back as the same data
        // (an escape's hex digits changing case, say) would be harmless — and counted a failure here
        expect(readProjectArchive(tampered, verifier)).toEqual(original);
      } catch (error) {
        refused += 1;
        expect((error as { code?: string }).code).toMatch(/^invalid_(archive|project)$/);
      }
    }
    expect(refused).toBe(archive.length);
  });

  it('names the signature when the project was changed after signing', () => {
    const envelope = JSON.parse(createProjectArchive(example, installation));
    envelope.project.connections['orders-bucket'].config.region = 'eu-west-1';
    expect(
      problemsOf(() => readProjectArchive(JSON.stringify(envelope), verifier), 'invalid_archive'),
    ).toEqual([{ path: 'signature', code: 'signature_invalid', message: expect.any(String) }]);
  });

  it('refuses a signature by an unknown key, even a valid one', () => {
    const archive = createProjectArchive(example, signer('elsewhere'));
    keys.delete('elsewhere');
    expect(
      problemsOf(() => readProjectArchive(archive, verifier), 'invalid_archive')[0]?.code,
    ).toBe('signature_invalid');
  });

  it('checks each file against its sha256, and refuses files no interface uses', () => {
    const other = 'not a schema';
    const otherSha = createHash('sha256').update(other).digest('hex');
    const forged = (changeFiles: (files: Data[]) => Data[]) => {
      const envelope = JSON.parse(createProjectArchive(withFile(), { ...installation, files }));
      envelope.files = changeFiles(envelope.files);
      // re-signed by the installation: only the file checks stand in the way
      const { format, version, project } = envelope;
      const signed = signWith(installation, { format, version, project, files: envelope.files });
      envelope.signature = { keyId: 'installation-1', value: signed };
      return JSON.stringify(envelope);
    };
    const mismatch = forged((list) => [
      { sha256: list[0]?.['sha256'], base64: Buffer.from('{}').toString('base64') },
    ]);
    expect(problemsOf(() => readProjectArchive(mismatch, verifier), 'invalid_archive')).toEqual([
      {
        path: 'files[0]',
        code: 'file_mismatch',
        message: 'content is not UTF-8 text with this sha256',
      },
    ]);
    const extra = forged((list) => [
      ...list,
      { sha256: otherSha, base64: Buffer.from(other).toString('base64') },
    ]);
    expect(problemsOf(() => readProjectArchive(extra, verifier), 'invalid_archive')).toEqual([
      {
        path: 'files[1]',
        code: 'unknown_file',
        message: 'is not a file of any interface of the project',
      },
    ]);
    const missing = forged(() => []);
    expect(problemsOf(() => readProjectArchive(missing, verifier))).toEqual([
      {
        path: 'interfaces.order.file',
        code: 'unknown_reference',
        message: 'names a file the file service does not have',
      },
    ]);
  });

  it('refuses envelopes that are not archives', () => {
    const archive = JSON.parse(createProjectArchive(example, installation));
    const read = (value: unknown) =>
      problemsOf(
        () =>
          readProjectArchive(typeof value === 'string' ? value : JSON.stringify(value), verifier),
        'invalid_archive',
      );
    expect(read('{"format":')).toEqual([
      { path: '', code: 'invalid_json', message: 'is not valid JSON' },
    ]);
    expect(
      read({ ...archive, format: 'zip', version: 2, extra: 1 }).map((problem) => [
        problem.path,
        problem.code,
      ]),
    ).toEqual([
      ['extra', 'unknown_field'],
      ['format', 'invalid_value'],
      ['version', 'invalid_value'],
    ]);
    expect(read({ ...archive, signature: { keyId: 'k' } })).toEqual([
      { path: 'signature', code: 'invalid_type', message: 'must be { keyId, value } with strings' },
    ]);
    expect(
      problemsOf(
        () => readProjectArchive(Buffer.from([0xff, 0xfe]), verifier),
        'invalid_archive',
      )[0]?.code,
    ).toBe('invalid_json');
  });

  it('refuses archives over 10 MiB before reading them', () => {
    const huge = ' '.repeat(MAX_ARCHIVE_BYTES + 1);
    expect(problemsOf(() => readProjectArchive(huge, verifier), 'invalid_archive')).toEqual([
      {
        path: '',
        code: 'too_large',
        message: `is ${MAX_ARCHIVE_BYTES + 1} bytes; at most ${MAX_ARCHIVE_BYTES} are read`,
      },
    ]);
  });

  it('refuses to archive a project holding a literal secret, or without its files', () => {
    const project = fresh();
    project['connections']['warehouse']['config']['connection'] = { url: 'x', password: 'hunter2' };
    const problems = problemsOf(() =>
      createProjectArchive(project as ProjectDocument, installation),
    );
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['connections.warehouse.config.connection.password', 'secret_literal'],
    ]);
    expect(
      problemsOf(() => createProjectArchive(withFile(), installation), 'file_missing'),
    ).toEqual([]);
  });
});

function signWith(
  with_: { sign(bytes: Uint8Array): { signature: string } },
  data: unknown,
): string {
  return with_.sign(Buffer.from(canonical(data))).signature;
}

// The canonical JSON the archive signs (sorted keys, no whitespace), written out independently.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
}
