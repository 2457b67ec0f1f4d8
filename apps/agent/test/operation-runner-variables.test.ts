import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sealForRecipient } from '@weft/crypto';
import { createMemoryConnector, type MemoryStore } from '@weft/connector-sdk';
import { ConnectorOperationRunner } from '../src/operations/connector-operation-runner.js';
import type { OperationLogMessage, RecordCounts, RunContext } from '../src/runs/work-source.js';
import { capturedLogger, makeTempDir, run } from './support/fixtures.js';

let root: string;
let removeRoot: () => Promise<void>;
let workDir: string;
let store: MemoryStore;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  workDir = join(root, 'work', 'run-1');
  await mkdir(workDir, { recursive: true });
  await mkdir(join(root, 'logs'));
  store = new Map([
    [
      'customers',
      new Map([
        ['1', { id: 1, name: 'ann', token: 'tok-4f1d9a77c2e0' }],
        ['2', { id: 2, name: 'bob', token: 'none' }],
      ]),
    ],
  ]);
});
afterEach(() => removeRoot());

/** The vault as the control plane will hold it: values sealed per run for the agent's key. */
const VAULT: Record<string, string> = { API_TOKEN: 'tok-4f1d9a77c2e0', TARGET: 'crm' };

function runner(env: Record<string, string> = {}) {
  return new ConnectorOperationRunner({
    agentKind: 'private',
    logDir: join(root, 'logs'),
    secretReferences: {
      envVariables: ['WEFT_TEST_COLLECTION'],
      fileDirectories: [],
      protectedPaths: [],
    },
    env,
    connectors: [createMemoryConnector(store)],
    maskedValues: ['agent-own-secret-value'],
  });
}

function context(options: { vault?: boolean; log?: OperationLogMessage[] } = {}) {
  const asked: string[] = [];
  const ctx: RunContext & { records: RecordCounts } = {
    workDir,
    signal: new AbortController().signal,
    logger: capturedLogger().logger,
    records: { read: 0, written: 0, failed: 0 },
    ...(options.vault === false
      ? {}
      : {
          sealedSecrets: async (publicKey: string) => {
            asked.push(publicKey);
            return {
              secrets: Object.entries(VAULT).map(([name, value]) => ({
                name,
                ...sealForRecipient(value, publicKey, `r-vault|${name}`),
              })),
            };
          },
        }),
    ...(options.log === undefined
      ? {}
      : {
          sendOperationLog: async (messages: readonly OperationLogMessage[]) => {
            options.log!.push(...messages);
          },
        }),
  };
  return { ctx, asked };
}

async function failure(promise: Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the run to fail');
    },
    (caught: unknown) => caught,
  );
  return error as { code?: unknown; message: string };
}

const operation = (overrides: Record<string, unknown> = {}) => ({
  version: 1,
  source: { connector: 'example.memory', config: { collection: '${COLLECTION}' } },
  transformation: {
    mapping: {
      version: 1,
      records: [
        {
          fields: {
            id: '$record.id',
            name: "$writeToOperationLog('customer ' & $record.name & ' ' & $record.token) ~> $substringBefore(' ') ~> $uppercase()",
          },
        },
      ],
    },
  },
  target: { connector: 'example.memory', config: { collection: 'out-${TARGET}' } },
  secrets: [
    { name: 'COLLECTION', kind: 'variable', reference: 'env:WEFT_TEST_COLLECTION' },
    { name: 'TARGET', kind: 'variable', reference: 'vault:7f3e6c1a-0d2b-4e8f-9a1c-3b5d7e9f0a2c' },
    {
      name: 'API_TOKEN',
      kind: 'credential',
      reference: 'vault:1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
    },
  ],
  ...overrides,
});

describe('a run with vault secrets, ${NAME} variables and the operation log', () => {
  it('opens vault secrets, substitutes variables before validation, and sends the masked log before it returns', async () => {
    const log: OperationLogMessage[] = [];
    const { ctx, asked } = context({ log });
    await runner({ WEFT_TEST_COLLECTION: 'customers' }).run(run('r-vault', operation()), ctx);

    expect(asked).toHaveLength(1); // one key pair per attempt, one question
    expect(ctx.records).toEqual({ read: 2, written: 2, failed: 0 });
    expect([...(store.get('out-crm')?.values() ?? [])]).toEqual([
      { id: 1, name: 'CUSTOMER' },
      { id: 2, name: 'CUSTOMER' },
    ]);
    expect(log.map(({ level, step, text }) => ({ level, step, text }))).toEqual([
      // The vault credential a record carried is masked on its way out.
      { level: 'info', step: 'transformation', text: 'customer ann [REDACTED]' },
      { level: 'info', step: 'transformation', text: 'customer bob none' },
      { level: 'info', step: 'source', text: 'source example.memory: read 2 records' },
      { level: 'info', step: 'target', text: 'target example.memory: wrote 2 records' },
    ]);
    expect(log.every((line) => !Number.isNaN(Date.parse(line.at)))).toBe(true);
  });

  it('collects no log where the work source takes none (cloud logging off)', async () => {
    const { ctx } = context();
    await runner({ WEFT_TEST_COLLECTION: 'customers' }).run(run('r-vault', operation()), ctx);
    expect(ctx.records.written).toBe(2);
  });

  it('fails secret_unavailable naming the vault secret it cannot have', async () => {
    const error = await failure(
      runner({ WEFT_TEST_COLLECTION: 'customers' }).run(
        run('r-vault', operation()),
        context({ vault: false }).ctx,
      ),
    );
    expect(error.code).toBe('secret_unavailable');
    expect(error.message).toBe(
      'vault secrets unavailable: TARGET, API_TOKEN: this agent’s work source has no vault to ask',
    );
  });

  it('refuses ${} naming a credential or nothing, and validates what the variable gave', async () => {
    const credential = await failure(
      runner({ WEFT_TEST_COLLECTION: 'customers' }).run(
        run(
          'r-vault',
          operation({
            source: { connector: 'example.memory', config: { collection: '${API_TOKEN}' } },
          }),
        ),
        context().ctx,
      ),
    );
    expect(credential.code).toBe('invalid_operation');
    expect(credential.message).toContain('${API_TOKEN}, a credential');
    expect(credential.message).not.toContain(VAULT['API_TOKEN']);

    const unknown = await failure(
      runner({ WEFT_TEST_COLLECTION: 'customers' }).run(
        run(
          'r-vault',
          operation({ target: { connector: 'example.memory', config: { collection: '${NOPE}' } } }),
        ),
        context().ctx,
      ),
    );
    expect(unknown.message).toBe(
      'operation.target.config.collection uses ${NOPE}, which is not a variable of this run',
    );

    const invalid = await failure(
      runner({ WEFT_TEST_COLLECTION: '../etc' }).run(run('r-vault', operation()), context().ctx),
    );
    expect(invalid.code).toBe('invalid_config');
  });

  it('notes failed records as a warning line', async () => {
    const log: OperationLogMessage[] = [];
    store.get('customers')?.set('3', { name: 'no id', token: 'x' });
    await runner({ WEFT_TEST_COLLECTION: 'customers' }).run(
      run('r-vault', operation()),
      context({ log }).ctx,
    );
    expect(log.at(-1)).toMatchObject({
      level: 'warn',
      step: 'operation',
      text: '1 records failed (see the failed-records file on the agent)',
    });
  });
});

describe('mapping scripts', () => {
  const withScript = (source: string) => ({
    version: 1,
    source: { connector: 'example.memory', config: { collection: 'customers' } },
    transformation: {
      mapping: {
        version: 1,
        scripts: { label: { language: 'javascript', source } },
        records: [{ fields: { id: '$record.id', name: { script: 'label' } } }],
      },
    },
    target: { connector: 'example.memory', config: { collection: 'labelled' } },
  });

  it('runs them in a sandbox, their WriteToOperationLog lines in the operation log', async () => {
    const log: OperationLogMessage[] = [];
    await runner().run(
      run(
        'r-script',
        withScript(
          'WriteToOperationLog("labelling " + record.id); return record.name.toUpperCase();',
        ),
      ),
      context({ log }).ctx,
    );
    expect([...(store.get('labelled')?.values() ?? [])]).toEqual([
      { id: 1, name: 'ANN' },
      { id: 2, name: 'BOB' },
    ]);
    expect(log.slice(0, 2).map(({ step, text }) => ({ step, text }))).toEqual([
      { step: 'transformation', text: 'labelling 1' },
      { step: 'transformation', text: 'labelling 2' },
    ]);
  });

  it('fails invalid_mapping for a script that does not compile, before any I/O', async () => {
    const error = await failure(
      runner().run(run('r-script', withScript('return record.name.(;')), context().ctx),
    );
    expect(error.code).toBe('invalid_mapping');
    expect(error.message).toContain('label');
    expect(store.has('labelled')).toBe(false);
  });
});

describe('transformation.interfaces', () => {
  const customer = {
    format: 'json-schema',
    schema: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' }, token: { type: 'string' } },
      additionalProperties: false,
    },
  };
  const row = {
    format: 'xsd',
    schema: `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:element name="row"><xs:complexType><xs:sequence>
        <xs:element name="id" type="xs:int"/><xs:element name="label" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element></xs:schema>`,
  };
  const mappingOf = (fields: Record<string, string>) => ({
    version: 1,
    source: { interface: 'customer' },
    target: { interface: 'row' },
    records: [{ fields }],
  });
  const withInterfaces = (mapping: unknown, interfaces: unknown) => ({
    version: 1,
    source: { connector: 'example.memory', config: { collection: 'customers' } },
    transformation: { mapping, interfaces },
    target: { connector: 'example.memory', config: { collection: 'rows' } },
  });

  it('compiles the mapping against the interfaces it names (JSON Schema and XSD)', async () => {
    const { ctx } = context();
    await runner().run(
      run(
        'r-if',
        withInterfaces(mappingOf({ id: '$record.id', label: '$record.name' }), { customer, row }),
      ),
      ctx,
    );
    expect([...(store.get('rows')?.values() ?? [])]).toEqual([
      { id: 1, label: 'ann' },
      { id: 2, label: 'bob' },
    ]);
  });

  it('reports mapping problems the interfaces reveal, before any I/O', async () => {
    const error = await failure(
      runner().run(
        run(
          'r-if',
          withInterfaces(mappingOf({ id: '$record.id', label: '$record.nmae', colour: '"red"' }), {
            customer,
            row,
          }),
        ),
        context().ctx,
      ),
    );
    expect(error.code).toBe('invalid_mapping');
    expect(error.message).toContain('source field "nmae" does not exist in the source interface');
    expect(error.message).toContain('target field "colour" is not in the target interface');
    expect(store.has('rows')).toBe(false);
  });

  it.each([
    [
      'an unknown format',
      { customer: { format: 'avro', schema: {} }, row },
      'must be { format: json-schema',
    ],
    [
      'an XSD that does not parse',
      { customer, row: { format: 'xsd', schema: '<nope' } },
      'interfaces.row is not a usable xsd interface',
    ],
    [
      'an XSD without the named element',
      { customer, row: { ...row, element: 'line' } },
      'interfaces.row is not a usable xsd interface',
    ],
    [
      'an unknown field',
      { customer: { ...customer, file: 'sha256:00' }, row },
      'interfaces.customer.file is not a field',
    ],
  ])('fails invalid_operation for %s', async (_what, interfaces, message) => {
    const error = await failure(
      runner().run(
        run(
          'r-if',
          withInterfaces(mappingOf({ id: '$record.id', label: '$record.name' }), interfaces),
        ),
        context().ctx,
      ),
    );
    expect(error.code).toBe('invalid_operation');
    expect(error.message).toContain(message);
  });
});
