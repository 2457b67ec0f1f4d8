import { SecretValue } from '../config/secret-value.js';
import type { ResolvedRunSecret } from '../secrets/resolve-run-secrets.js';
import { substituteVariables } from './config-variables.js';
import { OperationRunError } from './operation-run.error.js';

const secrets = new Map<string, ResolvedRunSecret>(
  (
    [
      ['ORDERS_BUCKET', 'variable', 'orders-prod'],
      ['S3_ENDPOINT', 'variable', 'http://minio.internal:9000'],
      ['PG_HOST', 'variable', 'db.internal'],
      ['PG_PASSWORD', 'credential', 'hunter2-hunter2'],
    ] as const
  ).map(([name, kind, value]) => [
    name,
    { name, kind, source: 'stored', value: new SecretValue(value) },
  ]),
);

function failure(config: unknown): OperationRunError {
  try {
    substituteVariables(config, secrets, 'operation.source.config');
  } catch (error) {
    if (OperationRunError.is(error)) return error;
    throw error;
  }
  throw new Error('expected invalid_operation');
}

describe('substituteVariables', () => {
  it('replaces whole and embedded ${NAME} in strings at any depth, leaving the rest alone', () => {
    const config = {
      bucket: '${ORDERS_BUCKET}',
      endpoint: '${S3_ENDPOINT}/',
      region: 'us-east-1',
      forcePathStyle: true,
      keys: ['in/${ORDERS_BUCKET}/a.csv', 'plain', 7, null],
      connection: {
        host: '${PG_HOST}',
        port: 5432,
        dsnHint: 'postgres://${PG_HOST}:5432/${ORDERS_BUCKET}',
        password: { secret: 'PG_PASSWORD' },
      },
    };
    const before = JSON.stringify(config);
    expect(substituteVariables(config, secrets, 'operation.source.config')).toEqual({
      bucket: 'orders-prod',
      endpoint: 'http://minio.internal:9000/',
      region: 'us-east-1',
      forcePathStyle: true,
      keys: ['in/orders-prod/a.csv', 'plain', 7, null],
      connection: {
        host: 'db.internal',
        port: 5432,
        dsnHint: 'postgres://db.internal:5432/orders-prod',
        password: { secret: 'PG_PASSWORD' },
      },
    });
    expect(JSON.stringify(config)).toBe(before); // a copy: the operation is not changed
  });

  it('reads $${ as a literal ${ and leaves keys and lone $ alone', () => {
    expect(
      substituteVariables(
        { template: 'cost: $$${ORDERS_BUCKET} $${NOT_A_VAR} $5 ${PG_HOST}$', '${PG_HOST}': 'key' },
        secrets,
        'c',
      ),
    ).toEqual({
      template: 'cost: $${ORDERS_BUCKET} ${NOT_A_VAR} $5 db.internal$',
      '${PG_HOST}': 'key',
    });
  });

  it('does not substitute into a value it substituted', () => {
    const tricky = new Map(secrets);
    tricky.set('LOOP', {
      name: 'LOOP',
      kind: 'variable',
      source: 'env',
      value: new SecretValue('${PG_HOST}'),
    });
    expect(substituteVariables({ a: '${LOOP}' }, tricky, 'c')).toEqual({ a: '${PG_HOST}' });
  });

  it('refuses a name the run has no variable for, naming it and where', () => {
    const error = failure({ connection: { host: '${PG_HOTS}' } });
    expect(error.code).toBe('invalid_operation');
    expect(error.message).toBe(
      'operation.source.config.connection.host uses ${PG_HOTS}, which is not a variable of this run',
    );
  });

  it('refuses a credential in ${}, without its value', () => {
    const error = failure({ url: 'postgres://weft:${PG_PASSWORD}@db' });
    expect(error.code).toBe('invalid_operation');
    expect(error.message).toContain('${PG_PASSWORD}, a credential');
    expect(error.message).not.toContain('hunter2');
  });

  it.each([['${'], ['${}'], ['${PG HOST}'], ['${ORDERS_BUCKET'], ['${9LIVES}']])(
    'refuses the malformed %s',
    (text) => {
      expect(failure({ list: [text] }).message).toContain(
        'operation.source.config.list[0] has a ${ that does not name a variable',
      );
    },
  );

  it('refuses a config nested deeper than 64 levels instead of walking it', () => {
    let deep: unknown = '${PG_HOST}';
    for (let level = 0; level < 100; level += 1) deep = { deep };
    expect(failure(deep).message).toContain('nests deeper than 64 levels');
  });

  it('keeps a key named __proto__ a plain key', () => {
    const config = JSON.parse('{"__proto__": {"polluted": "${PG_HOST}"}}') as object;
    const copy = substituteVariables(config, secrets, 'c') as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({
      polluted: 'db.internal',
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
