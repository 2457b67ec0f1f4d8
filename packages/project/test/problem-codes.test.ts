// Every problem code, reached once each with its path: a new code without a case here fails.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  PROJECT_PROBLEM_CODES,
  createProjectArchive,
  parseProjectFolder,
  readProjectArchive,
  validateProject,
  type ProjectDocument,
  type ProjectFile,
  type ProjectProblemCode,
} from '../src/index.js';
import { fixtureFiles, problemAt, problemsOf } from './support.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example: ProjectDocument = parseProjectFolder(fixtureFiles());
const fresh = (): Data => JSON.parse(JSON.stringify(example)) as Data;

const validating =
  (change: (project: Data) => void, options = {}) =>
  () => {
    const project = fresh();
    change(project);
    return validateProject(project, options);
  };
const folder = (extra: ProjectFile) => () => parseProjectFolder([...fixtureFiles(), extra]);

const pair = generateKeyPairSync('ed25519');
const signer = {
  sign: (bytes: Uint8Array) => ({
    keyId: 'k',
    signature: sign(null, bytes, pair.privateKey).toString('base64url'),
  }),
};
const verifier = {
  verify: (_keyId: string, bytes: Uint8Array, signature: string) =>
    verify(null, bytes, pair.publicKey, Buffer.from(signature, 'base64url')),
};
const archive = (change: (envelope: Data) => void) => () => {
  const envelope = JSON.parse(createProjectArchive(example, signer)) as Data;
  change(envelope);
  return readProjectArchive(JSON.stringify(envelope), verifier);
};

const cases: Record<ProjectProblemCode, [run: () => unknown, path: string, error?: string]> = {
  required: [
    validating((p) => delete p['variables']['WAREHOUSE_URL']['kind']),
    'variables.WAREHOUSE_URL.kind',
  ],
  invalid_type: [
    validating((p) => (p['operations']['load-orders']['onSuccess'] = 'x')),
    'operations.load-orders.onSuccess',
  ],
  invalid_value: [
    validating((p) => (p['operations']['load-orders']['chunkRecords'] = 0)),
    'operations.load-orders.chunkRecords',
  ],
  invalid_name: [
    validating((p) => (p['schedules']['Nightly'] = p['schedules']['nightly'])),
    'schedules.Nightly',
  ],
  unknown_field: [
    validating((p) => (p['schedules']['nightly']['every'] = 'day')),
    'schedules.nightly.every',
  ],
  unknown_reference: [
    validating((p) => (p['operations']['load-orders']['onSuccess'] = ['notify-done'])),
    'operations.load-orders.onSuccess[0]',
  ],
  unknown_connector: [
    validating(() => undefined, { connectorTypes: ['s3'] }),
    'connections.warehouse.connector',
  ],
  duplicate: [
    validating((p) => (p['notifications']['failures']['on'] = ['failed', 'failed'])),
    'notifications.failures.on[1]',
  ],
  cycle: [
    validating((p) => (p['operations']['load-orders']['onSuccess'] = ['load-orders'])),
    'operations.load-orders.onSuccess[0]',
  ],
  too_large: [
    validating((p) => (p['operations']['load-orders']['description'] = 'x'.repeat(2001))),
    'operations.load-orders.description',
  ],
  secret_literal: [
    validating((p) => (p['connections']['warehouse']['config']['connection']['password'] = 'pw')),
    'connections.warehouse.config.connection.password',
  ],
  variable_kind: [
    validating(
      (p) => (p['connections']['orders-bucket']['config']['endpoint'] = '${WAREHOUSE_URL}'),
    ),
    'connections.orders-bucket.config.endpoint',
  ],
  invalid_cron: [
    validating((p) => (p['schedules']['nightly']['cron'] = '0 2 * * * *')),
    'schedules.nightly.cron',
  ],
  invalid_timezone: [
    validating((p) => (p['schedules']['nightly']['timezone'] = 'Europe/Atlantis')),
    'schedules.nightly.timezone',
  ],
  interface_invalid: [
    validating(
      (p) =>
        (p['interfaces']['order-row']['schema'] = {
          type: 'object',
          properties: { a: { $ref: '#/nowhere' } },
        }),
    ),
    'interfaces.order-row.schema',
  ],
  mapping_invalid: [
    validating(
      (p) => (p['transformations']['orders-to-rows']['mapping']['onValidationError'] = 'ignore'),
    ),
    'transformations.orders-to-rows.mapping.onValidationError',
  ],
  invalid_yaml: [
    folder({ path: 'schedules/hourly.yaml', content: 'cron: "* * * * *\n' }),
    'schedules/hourly.yaml',
  ],
  invalid_json: [
    folder({ path: 'interfaces/invoice.schema.json', content: '{' }),
    'interfaces/invoice.schema.json',
  ],
  duplicate_key: [
    folder({ path: 'schedules/hourly.yaml', content: 'cron: a\ncron: b\n' }),
    'schedules/hourly.yaml',
  ],
  unknown_file: [folder({ path: 'mappings/orders.yaml', content: '{}' }), 'mappings/orders.yaml'],
  signature_invalid: [
    archive((e) => (e['project']['description'] = 'changed')),
    'signature',
    'invalid_archive',
  ],
  file_mismatch: [
    archive((e) => {
      // a signed archive whose file content does not match its sha256
      e['project']['interfaces']['order'] = {
        format: 'json-schema',
        file: `sha256:${'c'.repeat(64)}`,
      };
      e['files'] = [{ sha256: 'c'.repeat(64), base64: Buffer.from('{}').toString('base64') }];
      const { format, version, project, files } = e;
      e['signature']['value'] = signer.sign(
        Buffer.from(canonical({ format, version, project, files })),
      ).signature;
    }),
    'files[0]',
    'invalid_archive',
  ],
};

describe('problem codes', () => {
  it('has a case for every code', () => {
    expect(Object.keys(cases).sort()).toEqual([...PROJECT_PROBLEM_CODES].sort());
  });

  it.each(Object.entries(cases))('%s', (code, [run, path, error]) => {
    expect(problemAt(problemsOf(run, error), path).code).toBe(code);
  });
});

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
}
