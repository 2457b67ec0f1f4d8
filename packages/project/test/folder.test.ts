import {
  parseProjectFolder,
  projectToFolder,
  validateProject,
  type ProjectFile,
} from '../src/index.js';
import { fixtureFiles, problemAt, problemsOf } from './support.js';

const INVOICE_XSD = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="invoice">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="number" type="xs:string"/>
        <xs:element name="amount" type="xs:decimal"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
`;

function replaced(files: ProjectFile[], path: string, content: string | undefined): ProjectFile[] {
  const others = files.filter((file) => file.path !== path);
  return content === undefined ? others : [...others, { path, content }];
}

describe('parseProjectFolder', () => {
  it('reads the example project', () => {
    const project = parseProjectFolder(fixtureFiles());
    expect(project.name).toBe('orders-sync');
    expect(Object.keys(project.variables)).toEqual([
      'ORDERS_BUCKET',
      'S3_ENDPOINT',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'WAREHOUSE_URL',
    ]);
    // items in name order, whatever order the files came in
    expect(Object.keys(project.interfaces)).toEqual(['order', 'order-row']);
    expect(project.interfaces['order']?.format).toBe('json-schema');
    expect(project.operations['load-orders']).toEqual({
      description: 'Load orders.csv into the orders table',
      source: { connection: 'orders-bucket', config: { key: 'orders.csv', format: 'csv' } },
      transformation: 'orders-to-rows',
      target: {
        connection: 'warehouse',
        config: { write: { table: 'orders', mode: 'upsert', key: ['order_id'] } },
      },
      maxAttempts: 2,
      chunkRecords: 500,
    });
    expect(project.apiEndpoints['orders']).toMatchObject({ method: 'POST', path: '/orders/load' });
    expect(parseProjectFolder([...fixtureFiles()].reverse())).toEqual(project);
  });

  it('takes Windows separators, ./ prefixes, .yml, and ignores hidden files and a README', () => {
    const files = fixtureFiles().map((file) => ({
      path: file.path === 'schedules/nightly.yaml' ? '.\\schedules\\nightly.yml' : file.path,
      content: file.content,
    }));
    files.push({ path: 'README.md', content: '# orders' }, { path: '.git/HEAD', content: 'ref' });
    expect(parseProjectFolder(files)).toEqual(parseProjectFolder(fixtureFiles()));
  });

  it('reads an xsd interface from a .xsd file with a .yaml naming its element', () => {
    const files = [
      ...fixtureFiles(),
      { path: 'interfaces/invoice.xsd', content: INVOICE_XSD },
      { path: 'interfaces/invoice.yaml', content: 'format: xsd\nelement: invoice\n' },
    ];
    expect(parseProjectFolder(files).interfaces['invoice']).toEqual({
      format: 'xsd',
      element: 'invoice',
      schema: INVOICE_XSD,
    });
    const alone = problemsOf(() =>
      parseProjectFolder([
        ...fixtureFiles(),
        { path: 'interfaces/invoice.xsd', content: INVOICE_XSD },
      ]),
    );
    expect(alone).toEqual([
      { path: 'interfaces.invoice.element', code: 'required', message: 'is required' },
    ]);
  });

  it('reports every file that is not part of the layout, with the file as the path', () => {
    const problems = problemsOf(() =>
      parseProjectFolder([
        ...fixtureFiles(),
        { path: 'notes.txt', content: '' },
        { path: 'connections/old/warehouse.yaml', content: '' },
        { path: 'scripts/clean.ts', content: '' },
        { path: 'operations/load.json', content: '{}' },
        { path: '../outside.yaml', content: '' },
        { path: '/etc/passwd', content: '' },
      ]),
    );
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['notes.txt', 'unknown_file'],
      ['connections/old/warehouse.yaml', 'unknown_file'],
      ['scripts/clean.ts', 'unknown_file'],
      ['operations/load.json', 'unknown_file'],
      ['../outside.yaml', 'unknown_file'],
      ['/etc/passwd', 'unknown_file'],
    ]);
    expect(problemAt(problems, 'scripts/clean.ts').message).toBe(
      'is not a file scripts/ takes (<name>.js)',
    );
  });

  it('reports YAML that is malformed, tagged, has duplicate keys or complex keys, per file', () => {
    const files = fixtureFiles();
    const problems = problemsOf(() =>
      parseProjectFolder([
        ...replaced(
          files,
          'connections/warehouse.yaml',
          'connector: postgres\nconfig: [unclosed\n',
        ),
        {
          path: 'schedules/twice.yaml',
          content: 'operation: load-orders\ncron: "* * * * *"\ncron: "0 * * * *"\n',
        },
        {
          path: 'schedules/tagged.yaml',
          content: 'operation: !!binary bG9hZA==\ncron: "* * * * *"\n',
        },
        { path: 'notifications/keyed.yaml', content: '? [a, b]\n: 1\n' },
      ]),
    );
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['connections/warehouse.yaml', 'invalid_yaml'],
      ['schedules/tagged.yaml', 'invalid_yaml'],
      ['schedules/twice.yaml', 'duplicate_key'],
      ['notifications/keyed.yaml', 'invalid_yaml'],
    ]);
    expect(problemAt(problems, 'schedules/twice.yaml').message).toBe(
      'line 3, column 1: Map keys must be unique',
    );
    expect(problemAt(problems, 'schedules/tagged.yaml').message).toBe(
      'line 1, column 21: tags such as !!binary are not allowed',
    );
    // the operation's reference to the unreadable connection is not reported again
    expect(problems.some((problem) => problem.code === 'unknown_reference')).toBe(false);
  });

  it('stops a YAML alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 0; level < 9; level += 1) {
      const name = String.fromCharCode(98 + level);
      const previous = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const problems = problemsOf(() =>
      parseProjectFolder([
        ...fixtureFiles(),
        { path: 'operations/bomb.yaml', content: `${lines.join('\n')}\n` },
      ]),
    );
    expect(problems).toEqual([
      {
        path: 'operations/bomb.yaml',
        code: 'invalid_yaml',
        message: expect.stringMatching(/alias/i),
      },
    ]);
  });

  it('stops aliases that copy a large node many times', () => {
    const big = `config: &c { text: "${'z'.repeat(100_000)}" }\nlist: [${Array(20).fill('*c').join(', ')}]\n`;
    const problems = problemsOf(() =>
      parseProjectFolder([...fixtureFiles(), { path: 'operations/big.yaml', content: big }]),
    );
    expect(problems).toEqual([
      {
        path: 'operations/big.yaml',
        code: 'too_large',
        message: 'aliases copy 2000240 bytes; at most 1048576 are allowed',
      },
    ]);
  });

  it('reports a .schema.json that is not JSON without quoting it', () => {
    const files = replaced(
      fixtureFiles(),
      'interfaces/order.schema.json',
      '{ "type": "object", secret-ish }',
    );
    const problems = problemsOf(() => parseProjectFolder(files));
    expect(problems).toEqual([
      {
        path: 'interfaces/order.schema.json',
        code: 'invalid_json',
        message: expect.stringMatching(/^is not valid JSON/),
      },
    ]);
    expect(problems[0]?.message).not.toContain('secret-ish');
  });

  it('reports two files for one item, and two schemas for one interface', () => {
    const problems = problemsOf(() =>
      parseProjectFolder([
        ...fixtureFiles(),
        { path: 'operations/load-orders.yml', content: '{}' },
        { path: 'interfaces/order.xsd', content: INVOICE_XSD },
      ]),
    );
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['operations/load-orders.yml', 'duplicate'],
      ['interfaces/order.xsd', 'duplicate'],
    ]);
  });

  it('needs weft-project.yaml, with only its own fields', () => {
    const without = problemsOf(() =>
      parseProjectFolder(replaced(fixtureFiles(), 'weft-project.yaml', undefined)),
    );
    expect(without).toEqual([
      { path: 'weft-project.yaml', code: 'required', message: expect.any(String) },
    ]);
    const root = fixtureFiles().find((file) => file.path === 'weft-project.yaml')?.content ?? '';
    const extra = problemsOf(() =>
      parseProjectFolder(
        replaced(fixtureFiles(), 'weft-project.yaml', `${root}connections: {}\nowner: me\n`),
      ),
    );
    expect(extra).toEqual([
      {
        path: 'weft-project.yaml',
        code: 'unknown_field',
        message: 'connections is not a field of this file: each item is a file in connections/',
      },
      {
        path: 'weft-project.yaml',
        code: 'unknown_field',
        message: 'owner is not a field of this file (version, name, description, variables)',
      },
    ]);
  });

  it('adds the problems of the document the files make, at document paths', () => {
    const files = replaced(
      fixtureFiles(),
      'operations/load-orders.yaml',
      'source: { connection: orders-bucket }\nmaxAttempts: 0\nonSuccess: [missing]\n',
    );
    const problems = problemsOf(() =>
      parseProjectFolder([...files, { path: 'scripts/bad-name.js', content: 'return record' }]),
    );
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['scripts.bad-name', 'invalid_name'],
      ['operations.load-orders.maxAttempts', 'invalid_value'],
      ['operations.load-orders.onSuccess[0]', 'unknown_reference'],
    ]);
  });

  it('refuses oversized files', () => {
    const problems = problemsOf(() =>
      parseProjectFolder([
        ...fixtureFiles(),
        { path: 'scripts/huge.js', content: 'x'.repeat(2 * 1024 * 1024 + 1) },
      ]),
    );
    expect(problems).toEqual([
      { path: 'scripts/huge.js', code: 'too_large', message: expect.any(String) },
    ]);
  });
});

describe('projectToFolder', () => {
  it('writes the example as the layout it was read from', () => {
    const files = projectToFolder(parseProjectFolder(fixtureFiles()));
    expect(files.map((file) => file.path)).toEqual(
      fixtureFiles()
        .map((file) => file.path)
        .sort(),
    );
    const operation = files.find((file) => file.path === 'operations/load-orders.yaml')?.content;
    expect(operation?.split('\n').slice(0, 4)).toEqual([
      'description: Load orders.csv into the orders table',
      'source:',
      '  connection: orders-bucket',
      '  config:',
    ]);
  });

  it('round-trips through parseProjectFolder, awkward values included', () => {
    const example = JSON.parse(JSON.stringify(parseProjectFolder(fixtureFiles())));
    example.scripts = {
      normalise: {
        language: 'javascript',
        source: 'return {\n  ...record,\n  id: record.id.trim(),\n};\n',
      },
    };
    example.interfaces.invoice = { format: 'xsd', schema: INVOICE_XSD, element: 'invoice' };
    example.interfaces['from-files'] = { format: 'json-schema', file: `sha256:${'0'.repeat(64)}` };
    example.connections['orders-bucket'].config.prefix = 'yes';
    example.connections.other = {
      connector: 'vendor.thing',
      config: {
        a: '0123',
        b: 'null',
        c: '',
        d: ' lead',
        e: 'multi\nline\n',
        f: '# not a comment',
        g: 'a: b',
        h: 1e21,
        i: [],
        j: {},
        k: '${ORDERS_BUCKET}',
      },
    };
    // a key named __proto__ is data, never the prototype
    example.connections.other.config.own = JSON.parse('{"__proto__": {"polluted": true}}');
    example.operations['load-orders'].onFailure = [];
    const project = validateProject(example);
    const files = projectToFolder(project);
    expect(files.map((file) => file.path)).toContain('interfaces/invoice.xsd');
    expect(files.find((file) => file.path === 'scripts/normalise.js')?.content).toBe(
      project.scripts['normalise']?.source,
    );
    const read = parseProjectFolder(files);
    expect(read).toEqual(project);
    const own = read.connections['other']?.config?.['own'] as object;
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
    expect(Object.keys(own)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
