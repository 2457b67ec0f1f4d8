import { postgresConnector, s3Connector } from '@weft/connectors';
import { compileMapping, jsonSchemaInterface, type RecordInterface } from '@weft/transform';
import {
  compileOperation,
  parseProjectFolder,
  validateProject,
  type JsonObject,
  type JsonValue,
  type ProjectDocument,
} from '../src/index.js';
import { fixtureFiles, problemsOf } from './support.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example: ProjectDocument = parseProjectFolder(fixtureFiles());
const fresh = (): Data => JSON.parse(JSON.stringify(example)) as Data;

// What the agent does with variables of kind `variable` (design §2), enough for these tests.
function substitute(value: JsonValue, values: Record<string, string>): JsonValue {
  if (typeof value === 'string')
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => values[name] ?? '');
  if (Array.isArray(value)) return value.map((entry) => substitute(entry, values));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, substitute(entry, values)]),
    );
  return value;
}

describe('compileOperation', () => {
  const compiled = compileOperation(example, 'load-orders');

  it('builds the agent operation of the example', () => {
    expect(compiled.maxAttempts).toBe(2);
    expect(compiled.variables).toEqual([
      { name: 'ORDERS_BUCKET', kind: 'variable' },
      { name: 'S3_ACCESS_KEY_ID', kind: 'credential' },
      { name: 'S3_ENDPOINT', kind: 'variable' },
      { name: 'S3_SECRET_ACCESS_KEY', kind: 'credential' },
      { name: 'WAREHOUSE_URL', kind: 'credential' },
    ]);
    const { operation } = compiled;
    expect(Object.keys(operation)).toEqual([
      'version',
      'source',
      'transformation',
      'target',
      'chunkRecords',
    ]);
    expect(operation.source).toEqual({
      connector: 's3',
      config: {
        bucket: '${ORDERS_BUCKET}',
        endpoint: '${S3_ENDPOINT}',
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {
          accessKeyId: { secret: 'S3_ACCESS_KEY_ID' },
          secretAccessKey: { secret: 'S3_SECRET_ACCESS_KEY' },
        },
        key: 'orders.csv',
        format: 'csv',
      },
    });
    expect(operation.target).toEqual({
      connector: 'postgres',
      config: {
        connection: { url: { secret: 'WAREHOUSE_URL' } },
        write: { table: 'orders', mode: 'upsert', key: ['order_id'] },
      },
    });
    expect(operation.chunkRecords).toBe(500);
    expect(operation.transformation?.mapping['source']).toEqual({ interface: 'order' });
    expect(operation.transformation?.mapping['target']).toEqual({ interface: 'order-row' });
    expect(operation.transformation?.interfaces).toEqual({
      order: { format: 'json-schema', schema: example.interfaces['order']?.schema },
      'order-row': { format: 'json-schema', schema: example.interfaces['order-row']?.schema },
    });
  });

  it('gives connector configs the built-in connectors accept once variables are substituted', () => {
    const values = { ORDERS_BUCKET: 'weft-demo', S3_ENDPOINT: 'http://127.0.0.1:9000' };
    const source = compiled.operation.source;
    const target = compiled.operation.target;
    expect(s3Connector.validate(substitute(source?.config ?? {}, values))).toMatchObject({
      bucket: 'weft-demo',
      key: 'orders.csv',
      format: 'csv',
    });
    expect(postgresConnector.validate(substitute(target?.config ?? {}, values))).toMatchObject({
      write: { table: ['orders'], mode: 'upsert', key: ['order_id'] },
    });
  });

  it('gives a mapping that compiles on the agent and routes a bad order to the failed records', () => {
    const transformation = compiled.operation.transformation;
    const interfaces: Record<string, RecordInterface> = {};
    for (const [name, inline] of Object.entries(transformation?.interfaces ?? {}))
      interfaces[name] = jsonSchemaInterface(inline.schema as JsonObject);
    const mapping = compileMapping(transformation?.mapping, { interfaces });
    const run = mapping.createRunContext();
    const row = { order_id: 'A-1', email: 'Ada@Example.com', quantity: '2', unit_price: '9.50' };
    expect(mapping.apply(row, run)).toEqual({
      records: [{ order_id: 'A-1', email: 'ada@example.com', quantity: 2, total: 19 }],
    });
    const failed = mapping.apply({ ...row, quantity: '0' }, run);
    expect(failed).toEqual({
      failed: [{ path: 'quantity', rule: 'range', message: 'must be at least 1' }],
    });
    const badEmail = mapping.apply({ ...row, email: 'nobody' }, run);
    expect(badEmail).toEqual({
      failed: [expect.objectContaining({ path: 'email', rule: 'pattern' })],
    });
  });

  it('merges objects of the step config over the connection config, replacing lists and values', () => {
    const project = fresh();
    project['connections']['warehouse']['config']['write'] = {
      table: 'staging',
      key: ['a', 'b'],
      batchSize: 100,
    };
    project['connections']['warehouse']['config']['connection']['ssl'] = { mode: 'require' };
    project['operations']['load-orders']['target']['config'] = {
      write: { table: 'orders', key: ['order_id'] },
      connection: { ssl: { mode: 'verify-full' } },
    };
    const document = validateProject(project);
    expect(compileOperation(document, 'load-orders').operation.target?.config).toEqual({
      connection: { url: { secret: 'WAREHOUSE_URL' }, ssl: { mode: 'verify-full' } },
      write: { table: 'orders', key: ['order_id'], batchSize: 100 },
    });
    // the document is not changed by compiling
    expect(document.connections['warehouse']?.config?.['write']).toEqual({
      table: 'staging',
      key: ['a', 'b'],
      batchSize: 100,
    });
  });

  it('merges the project scripts into the mapping, the mapping’s own winning', () => {
    const project = fresh();
    project['scripts'] = {
      normalise: { language: 'javascript', source: 'return record' },
      checksum: { language: 'javascript', source: 'return 1' },
    };
    project['transformations']['orders-to-rows']['mapping']['scripts'] = {
      checksum: { language: 'javascript', source: 'return 2' },
    };
    const mapping = compileOperation(validateProject(project), 'load-orders').operation
      .transformation?.mapping;
    expect(mapping?.['scripts']).toEqual({
      normalise: { language: 'javascript', source: 'return record' },
      checksum: { language: 'javascript', source: 'return 2' },
    });
  });

  it('inlines only the interfaces the transformation names, file: ones from the files given', () => {
    const sha = 'b'.repeat(64);
    const project = fresh();
    project['interfaces']['order'] = { format: 'json-schema', file: `sha256:${sha}` };
    project['interfaces']['unused'] = { format: 'json-schema', schema: { type: 'object' } };
    const document = validateProject(project);
    const schema = { type: 'object', properties: { order_id: { type: 'string' } } };
    const files = new Map([[sha, JSON.stringify(schema)]]);
    const interfaces = compileOperation(document, 'load-orders', { files }).operation.transformation
      ?.interfaces;
    expect(Object.keys(interfaces ?? {})).toEqual(['order', 'order-row']);
    expect(interfaces?.['order']).toEqual({ format: 'json-schema', schema });
    expect(problemsOf(() => compileOperation(document, 'load-orders'), 'file_missing')).toEqual([]);
  });

  it('compiles an operation with a source only, using no variables', () => {
    const project = fresh();
    project['connections']['local'] = { connector: 'files', config: { path: 'in/orders.csv' } };
    project['operations']['peek'] = { source: { connection: 'local' } };
    expect(compileOperation(validateProject(project), 'peek')).toEqual({
      operation: { version: 1, source: { connector: 'files', config: { path: 'in/orders.csv' } } },
      variables: [],
    });
  });

  it('throws operation_not_found for an operation the project does not have', () => {
    expect(
      problemsOf(() => compileOperation(example, 'unload-orders'), 'operation_not_found'),
    ).toEqual([]);
    expect(
      problemsOf(() => compileOperation(example, 'constructor'), 'operation_not_found'),
    ).toEqual([]);
  });
});
