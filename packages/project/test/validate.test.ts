import { parseProjectFolder, validateProject, type ProjectDocument } from '../src/index.js';
import { fixtureFiles, problemAt, problemsOf } from './support.js';

// The example project as plain, mutable JSON data.
type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example: ProjectDocument = parseProjectFolder(fixtureFiles());
const fresh = (): Data => JSON.parse(JSON.stringify(example)) as Data;

function problemsWith(change: (project: Data) => void, options = {}) {
  const project = fresh();
  change(project);
  return problemsOf(() => validateProject(project, options));
}

describe('validateProject', () => {
  it('accepts the example and returns a normalised copy', () => {
    const project = fresh();
    delete project['schedules'];
    project['scripts'] = null;
    project['operations']['load-orders']['onFailure'] = null;
    const checked = validateProject(project);
    expect(checked).not.toBe(project);
    expect(checked.schedules).toEqual({});
    expect(checked.scripts).toEqual({});
    expect('onFailure' in (checked.operations['load-orders'] ?? {})).toBe(false);
    expect(checked.connections).toEqual(example.connections);
  });

  it('lists every problem of a document at once, each at its path', () => {
    const problems = problemsWith((project) => {
      delete project['name'];
      project['variables']['pg_host'] = { kind: 'variable' };
      project['connections']['warehouse']['config'] = 'postgres://';
      project['operations']['load-orders']['maxAttempts'] = 50;
      project['operations']['load-orders']['retries'] = 3;
      project['schedules']['nightly']['cron'] = '0 25 * * *';
    });
    expect(problems.map(({ path, code }) => ({ path, code }))).toEqual([
      { path: 'name', code: 'required' },
      { path: 'variables.pg_host', code: 'invalid_name' },
      { path: 'connections.warehouse.config', code: 'invalid_type' },
      { path: 'operations.load-orders.retries', code: 'unknown_field' },
      { path: 'operations.load-orders.maxAttempts', code: 'invalid_value' },
      { path: 'schedules.nightly.cron', code: 'invalid_cron' },
    ]);
    expect(problemAt(problems, 'schedules.nightly.cron').message).toBe('hour: 25 is outside 0-23');
  });

  it('reports unknown fields at every level the project owns, but not inside connector configs', () => {
    const problems = problemsWith((project) => {
      project['owner'] = 'me';
      project['variables']['ORDERS_BUCKET']['secret'] = true;
      project['operations']['load-orders']['source']['connector'] = 's3';
      project['connections']['warehouse']['config']['anything'] = { goes: ['here'] };
    });
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['owner', 'unknown_field'],
      ['variables.ORDERS_BUCKET.secret', 'unknown_field'],
      ['operations.load-orders.source.connector', 'unknown_field'],
    ]);
  });

  it('checks names, types and required fields of each kind of item', () => {
    const problems = problemsWith((project) => {
      project['name'] = 'Orders Sync';
      project['version'] = 2;
      project['connections']['Bad_Name'] = { connector: 's3' };
      project['connections']['ftp'] = { connector: 'FTP!' };
      project['scripts'] = { 'with-dash': { language: 'javascript', source: 'return record' } };
      project['variables']['NO_KIND'] = {};
      project['interfaces']['invoice'] = { format: 'xsd', schema: '<xs:schema/>' };
      project['notifications']['failures']['on'] = ['exploded'];
      project['notifications']['failures']['email'] = ['not-an-address'];
      project['apiEndpoints']['orders']['method'] = 'FETCH';
      project['schedules']['nightly']['enabled'] = 'yes';
    });
    const at = (path: string) => problemAt(problems, path).code;
    expect(at('name')).toBe('invalid_name');
    expect(at('version')).toBe('invalid_value');
    expect(at('connections.Bad_Name')).toBe('invalid_name');
    expect(at('connections.ftp.connector')).toBe('invalid_value');
    expect(at('scripts.with-dash')).toBe('invalid_name');
    expect(at('variables.NO_KIND.kind')).toBe('required');
    expect(at('interfaces.invoice.element')).toBe('required');
    expect(at('notifications.failures.on[0]')).toBe('invalid_value');
    expect(at('notifications.failures.email[0]')).toBe('invalid_value');
    expect(at('apiEndpoints.orders.method')).toBe('invalid_value');
    expect(at('schedules.nightly.enabled')).toBe('invalid_type');
    expect(problems).toHaveLength(11);
  });

  it('resolves every reference between items', () => {
    const problems = problemsWith((project) => {
      const operation = project['operations']['load-orders'];
      operation['source']['connection'] = 'orders-bucket-2';
      operation['transformation'] = 'nope';
      operation['onSuccess'] = ['notify-done'];
      project['transformations']['orders-to-rows']['target'] = 'invoice';
      project['schedules']['nightly']['operation'] = 'unload-orders';
      project['notifications']['failures']['operations'] = ['load-orders', 'other'];
      project['apiEndpoints']['orders']['operation'] = 'other';
    });
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['transformations.orders-to-rows.target', 'unknown_reference'],
      ['operations.load-orders.source.connection', 'unknown_reference'],
      ['operations.load-orders.transformation', 'unknown_reference'],
      ['operations.load-orders.onSuccess[0]', 'unknown_reference'],
      ['schedules.nightly.operation', 'unknown_reference'],
      ['notifications.failures.operations[1]', 'unknown_reference'],
      ['apiEndpoints.orders.operation', 'unknown_reference'],
    ]);
    expect(problemAt(problems, 'operations.load-orders.onSuccess[0]').message).toBe(
      'names "notify-done", which is not an operation of this project',
    );
  });

  it('refuses repeated names in lists and two endpoints on one route', () => {
    const problems = problemsWith((project) => {
      project['operations']['notify'] = {};
      project['operations']['load-orders']['onSuccess'] = ['notify', 'notify'];
      project['apiEndpoints']['again'] = {
        method: 'POST',
        path: '/orders/load/',
        operation: 'notify',
      };
    });
    expect(problemAt(problems, 'operations.load-orders.onSuccess[1]').code).toBe('duplicate');
    expect(problemAt(problems, 'apiEndpoints.again.path')).toMatchObject({
      code: 'duplicate',
      message: 'POST /orders/load/ is already the route of orders',
    });
    expect(problems).toHaveLength(2);
  });

  describe('chains of operations', () => {
    const chained = (links: Record<string, { onSuccess?: string[]; onFailure?: string[] }>) =>
      problemsWith((project) => {
        for (const [name, next] of Object.entries(links))
          project['operations'][name] = { ...project['operations'][name], ...next };
      });

    it('finds a cycle through onSuccess and onFailure, at the edge that closes it', () => {
      const problems = chained({
        'load-orders': { onSuccess: ['archive'] },
        archive: { onFailure: ['alert'] },
        alert: { onSuccess: ['load-orders'] },
      });
      expect(problems).toEqual([
        {
          path: 'operations.alert.onSuccess[0]',
          code: 'cycle',
          message: 'starts load-orders again: load-orders → archive → alert → load-orders',
        },
      ]);
    });

    it('finds an operation that starts itself', () => {
      const problems = chained({ 'load-orders': { onFailure: ['load-orders'] } });
      expect(problemAt(problems, 'operations.load-orders.onFailure[0]').code).toBe('cycle');
    });

    it('accepts chains that branch and join without coming back', () => {
      const project = fresh();
      project['operations']['load-orders']['onSuccess'] = ['a', 'b'];
      project['operations']['a'] = { onSuccess: ['c'] };
      project['operations']['b'] = { onSuccess: ['c'], onFailure: ['c'] };
      project['operations']['c'] = {};
      expect(Object.keys(validateProject(project).operations)).toHaveLength(4);
    });
  });

  describe('variables and secrets in connector configs', () => {
    it('refuses a literal under a secret-looking key without quoting it', () => {
      const problems = problemsWith((project) => {
        project['connections']['warehouse']['config']['connection'] = {
          host: 'db.internal',
          password: 'hunter2-correct-horse',
        };
        project['connections']['warehouse']['config']['mirror'] = {
          url: 'postgres://weft:hunter2-url@db.internal/weft',
          headers: { Authorization: 'Bearer hunter2-header' },
        };
        project['operations']['load-orders']['source']['config']['credentials'] = {
          secretAccessKey: '${ORDERS_BUCKET}',
        };
      });
      expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
        ['connections.warehouse.config.connection.password', 'secret_literal'],
        ['connections.warehouse.config.mirror.url', 'secret_literal'],
        ['connections.warehouse.config.mirror.headers.Authorization', 'secret_literal'],
        ['operations.load-orders.source.config.credentials.secretAccessKey', 'secret_literal'],
      ]);
      expect(JSON.stringify(problems)).not.toContain('hunter2');
    });

    it('keeps ${} for variables and { secret } for credentials', () => {
      const problems = problemsWith((project) => {
        const config = project['connections']['orders-bucket']['config'];
        config['bucket'] = 'orders-${S3_ACCESS_KEY_ID}';
        config['credentials']['accessKeyId'] = { secret: 'ORDERS_BUCKET' };
        config['region'] = '${REGION}';
        config['prefix'] = 'in/$${literal}/${lower}';
      });
      expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
        ['connections.orders-bucket.config.prefix', 'invalid_value'],
        ['connections.orders-bucket.config.bucket', 'variable_kind'],
        ['connections.orders-bucket.config.region', 'unknown_reference'],
        ['connections.orders-bucket.config.credentials.accessKeyId', 'variable_kind'],
      ]);
      expect(problemAt(problems, 'connections.orders-bucket.config.bucket').message).toBe(
        '${S3_ACCESS_KEY_ID} must name a variable; S3_ACCESS_KEY_ID is a credential, which only { secret: S3_ACCESS_KEY_ID } may use',
      );
    });

    it('accepts a plain `key` (an object key), $${ escapes and secret references anywhere', () => {
      const project = fresh();
      project['connections']['orders-bucket']['config']['prefix'] = 'costs $${NOT_A_VARIABLE}';
      delete project['operations']['load-orders']['source']['config']['key'];
      project['operations']['load-orders']['source']['config']['key'] = 'in/${ORDERS_BUCKET}.csv';
      expect(() => validateProject(project)).not.toThrow();
    });
  });

  it('checks cron expressions and time zones', () => {
    const problems = problemsWith((project) => {
      project['operations']['other'] = {};
      project['schedules']['bad-fields'] = { operation: 'other', cron: '0 2 * *' };
      project['schedules']['bad-zone'] = {
        operation: 'other',
        cron: '*/15 * * * *',
        timezone: 'Mars/Olympus',
      };
      project['schedules']['offset'] = { operation: 'other', cron: '@daily', timezone: '+01:00' };
    });
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['schedules.bad-fields.cron', 'invalid_cron'],
      ['schedules.bad-zone.timezone', 'invalid_timezone'],
      ['schedules.offset.cron', 'invalid_cron'],
      ['schedules.offset.timezone', 'invalid_timezone'],
    ]);
  });

  it('compiles every mapping against its interfaces and reports mapping problems under it', () => {
    const problems = problemsWith((project) => {
      const fields =
        project['transformations']['orders-to-rows']['mapping']['records'][0]['fields'];
      fields['colour'] = 'email';
      fields['total'] = { value: '$round(' };
    });
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['transformations.orders-to-rows.mapping.records[0].fields.total.value', 'mapping_invalid'],
      ['transformations.orders-to-rows.mapping.records[0].fields.colour', 'mapping_invalid'],
    ]);
  });

  it('reports an interface that does not build, and does not compile mappings against it', () => {
    const problems = problemsWith((project) => {
      project['interfaces']['order']['schema'] = { type: 'string' };
      project['interfaces']['invoice'] = {
        format: 'xsd',
        schema: '<not-a-schema/>',
        element: 'invoice',
      };
    });
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['interfaces.order.schema', 'interface_invalid'],
      ['interfaces.invoice.schema', 'interface_invalid'],
    ]);
  });

  it('builds xsd interfaces and checks mappings against them', () => {
    const project = fresh();
    project['interfaces']['invoice'] = {
      format: 'xsd',
      element: 'invoice',
      schema: `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
        <xs:element name="invoice"><xs:complexType><xs:sequence>
          <xs:element name="number" type="xs:string"/>
        </xs:sequence></xs:complexType></xs:element></xs:schema>`,
    };
    project['transformations']['invoices'] = {
      source: 'invoice',
      mapping: { version: 1, records: [{ fields: { id: 'number' } }] },
    };
    expect(() => validateProject(project)).not.toThrow();
    project['transformations']['invoices']['mapping']['records'][0]['fields']['id'] = 'numbr';
    const problems = problemsOf(() => validateProject(project));
    expect(
      problemAt(problems, 'transformations.invoices.mapping.records[0].fields.id.value').code,
    ).toBe('mapping_invalid');
  });

  it('checks file: interfaces for their form, and against the file service when files are given', () => {
    const sha = 'a'.repeat(64);
    const project = fresh();
    project['interfaces']['order'] = { format: 'json-schema', file: `sha256:${sha}` };
    // without the files, the mapping compiles against an open record
    expect(() => validateProject(project)).not.toThrow();
    const files = new Map([[sha, JSON.stringify(example.interfaces['order']?.schema)]]);
    expect(() => validateProject(project, { files })).not.toThrow();
    expect(problemsOf(() => validateProject(project, { files: new Map() }))).toEqual([
      {
        path: 'interfaces.order.file',
        code: 'unknown_reference',
        message: 'names a file the file service does not have',
      },
    ]);
    project['interfaces']['order']['file'] = 'sha256:ABC';
    project['interfaces']['order']['element'] = 'order';
    const problems = problemsOf(() => validateProject(project));
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['interfaces.order.file', 'invalid_value'],
      ['interfaces.order.element', 'invalid_value'],
    ]);
  });

  it('refuses connectors the installation does not have when told which it has', () => {
    const problems = problemsOf(() =>
      validateProject(fresh(), { connectorTypes: ['s3', 'files'] }),
    );
    expect(problems).toEqual([
      {
        path: 'connections.warehouse.connector',
        code: 'unknown_connector',
        message: 'postgres is not a connector this installation has',
      },
    ]);
  });

  describe('limits', () => {
    it('refuses a document over 2 MiB as JSON, and looks no further', () => {
      const problems = problemsWith((project) => {
        project['name'] = 'NOT VALID';
        project['transformations']['orders-to-rows']['mapping']['runVariables'] = {
          padding: 'x'.repeat(2 * 1024 * 1024),
        };
      });
      expect(problems).toEqual([
        {
          path: '',
          code: 'too_large',
          message: expect.stringMatching(/^is \d+ bytes as JSON; at most 2097152/),
        },
      ]);
    });

    it('refuses more than 500 items in a section, long descriptions and long lists', () => {
      const problems = problemsWith((project) => {
        for (let index = 0; index <= 500; index += 1)
          project['variables'][`V${index}`] = { kind: 'variable' };
        project['description'] = 'd'.repeat(2_001);
        project['operations']['load-orders']['onSuccess'] = Array.from(
          { length: 501 },
          () => 'load-orders',
        );
      });
      expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
        ['description', 'too_large'],
        ['variables', 'too_large'],
        ['operations.load-orders.onSuccess', 'too_large'],
      ]);
    });

    it('refuses data that is not JSON, or nests without end', () => {
      expect(problemsOf(() => validateProject({ ...fresh(), description: new Date() }))).toEqual([
        {
          path: 'description',
          code: 'invalid_type',
          message: 'is an object that is not plain JSON data',
        },
      ]);
      const looped = fresh();
      looped['connections']['warehouse']['config']['self'] =
        looped['connections']['warehouse']['config'];
      expect(
        problemAt(
          problemsOf(() => validateProject(looped)),
          'connections.warehouse.config.self',
        ).message,
      ).toBe('contains itself');
      let deep: Data = {};
      for (let depth = 0; depth < 10_000; depth += 1) deep = { deep };
      const nested = fresh();
      nested['connections']['warehouse']['config']['nested'] = deep;
      expect(problemsOf(() => validateProject(nested))[0]?.code).toBe('too_large');
      expect(problemsOf(() => validateProject([]))).toEqual([
        { path: '', code: 'invalid_type', message: 'must be an object, not a list' },
      ]);
    });

    it('accepts an object shared by two items (it is not a cycle)', () => {
      const project = fresh();
      const shared = { key: 'orders.csv', format: 'csv' };
      project['operations']['load-orders']['source']['config'] = shared;
      project['operations']['again'] = { source: { connection: 'orders-bucket', config: shared } };
      expect(() => validateProject(project)).not.toThrow();
    });
  });

  it('never quotes a user value longer than 80 characters', () => {
    const long = `x${'y'.repeat(100)}`;
    const problems = problemsWith((project) => {
      project['operations']['load-orders']['transformation'] = long;
      project['connections']['orders-bucket']['connector'] = long;
    });
    expect(problems).toHaveLength(2);
    for (const problem of problems) expect(problem.message).not.toContain('y'.repeat(81));
    expect(problemAt(problems, 'operations.load-orders.transformation').message).toBe(
      'names a value of 101 characters, which is not a transformation of this project',
    );
  });
});
