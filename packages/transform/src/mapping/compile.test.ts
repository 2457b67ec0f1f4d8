import { readFileSync } from 'node:fs';
import { jsonSchemaInterface } from '../interfaces/json-schema.js';
import { compileMapping } from './compile.js';
import { parseMappingDocument } from './document.js';
import { MappingError } from './errors.js';
import type { CompiledMapping, ScriptRunner } from './types.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const orders = jsonSchemaInterface(JSON.parse(fixture('interfaces/orders-source.schema.json')));
const countries = new Map<string, unknown>([
  ['DE', { name: 'Germany' }],
  ['FR', { name: 'France' }],
]);

function compileError(
  document: unknown,
  options?: Parameters<typeof compileMapping>[1],
): MappingError {
  try {
    compileMapping(document, options);
  } catch (error) {
    if (MappingError.is(error)) return error;
    throw error;
  }
  throw new Error('compiled');
}

function order(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId: 'SO-1',
    status: 'open',
    tags: ['a', 'b'],
    customer: { name: 'Ada', country: 'DE' },
    lines: [
      { sku: 'AB-1', qty: 2, price: 1.25 },
      { sku: 'CD-2', qty: 1, price: 10 },
    ],
    ...overrides,
  };
}

describe('compileMapping on the orders fixture', () => {
  const mapping: CompiledMapping = compileMapping(
    parseMappingDocument(fixture('mapping/orders.yaml')),
    {
      interfaces: { orders },
      lookups: ['countries'],
    },
  );

  it('produces one target record per line, with lookups, run variables and nested nodes', () => {
    const run = mapping.createRunContext({ lookups: { countries } });
    const result = mapping.apply(order(), run);
    expect(result).toEqual({
      records: [
        {
          invoice: 'SO-1',
          seq: 1,
          sku: 'AB-1',
          amount: 2.5,
          country: 'Germany',
          customer: { name: 'Ada' },
          tags: ['A', 'B'],
        },
        {
          invoice: 'SO-1',
          seq: 2,
          sku: 'CD-2',
          amount: 10,
          country: 'Germany',
          customer: { name: 'Ada' },
          tags: ['A', 'B'],
        },
      ],
    });
    // run variables carry across records of one run, and start afresh in the next run
    expect(mapping.apply(order(), run)).toMatchObject({ records: [{ seq: 3 }, { seq: 4 }] });
    expect(
      mapping.apply(order(), mapping.createRunContext({ lookups: { countries } })),
    ).toMatchObject({ records: [{ seq: 1 }, { seq: 2 }] });
  });

  it('skips a record whose condition is false and applies defaults', () => {
    const run = mapping.createRunContext({ lookups: { countries } });
    expect(mapping.apply(order({ status: 'void' }), run)).toEqual({ records: [] });
    const result = mapping.apply(order({ customer: { name: 'Bo', country: 'XX' } }), run);
    expect(result).toMatchObject({ records: [{ country: 'unknown' }, { country: 'unknown' }] });
  });

  it('routes a record that breaks rules with every reason and no data value', () => {
    const run = mapping.createRunContext({ lookups: { countries } });
    const result = mapping.apply(
      order({
        customer: { name: '', country: 'DE' },
        lines: [{ sku: 'bad sku', qty: -1, price: 3 }],
      }),
      run,
    );
    expect(result).toEqual({
      failed: [
        { path: '[0].sku', rule: 'pattern', message: 'must match the pattern "^[A-Z]+-\\\\d+$"' },
        { path: '[0].amount', rule: 'range', message: 'must be at least 0' },
        { path: '[0].customer.name', rule: 'length', message: 'must be at least 1 long' },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('bad sku');
  });

  it('refuses a run context it did not make, and a run missing a declared lookup', () => {
    expect(() => mapping.apply(order(), { lookups: { countries }, variables: new Map() })).toThrow(
      'createRunContext',
    );
    expect(() => mapping.createRunContext()).toThrow(
      'lookup tables missing from the run: countries',
    );
  });
});

describe('compileMapping errors', () => {
  const target = jsonSchemaInterface({
    type: 'object',
    additionalProperties: false,
    required: ['id', 'name'],
    properties: { id: { type: 'string' }, name: { type: 'string' }, total: { type: 'number' } },
  });

  it('lists every problem with its path', () => {
    const error = compileError(
      {
        version: 1,
        lookups: ['rates'],
        variables: { sum: '$sum(lines.' },
        records: [
          {
            fields: {
              id: { value: 'orderId' },
              total: { value: '1 +', default: 0 },
              colour: { value: 'status' },
              amount: { value: 'customer' },
            },
            feilds: {},
          },
        ],
      },
      { sourceInterface: orders, targetInterface: target, lookups: ['countries'] },
    );
    expect(error.code).toBe('invalid_mapping');
    const lines = error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'lookups[0]: unknown lookup "rates": the run provides countries',
        expect.stringMatching(/^variables\.sum: S0\d{3} .* at column \d+$/),
        expect.stringMatching(/^records\[0\]\.fields\.total\.value: S0\d{3} .* at column \d+$/),
        'records[0].fields.colour: target field "colour" is not in the target interface',
        'records[0].fields.amount: target field "amount" is not in the target interface',
        'records[0].fields: required target field "name" has no mapping and no default',
        'records[0].feilds: unknown key',
      ]),
    );
    expect(error.message.split('\n')[0]).toBe(`mapping has ${error.problems.length} problems:`);
  });

  it('lists fields nested deeper than 32 levels as one problem at its path, without overflowing', () => {
    const nest = (levels: number): Record<string, unknown> => {
      let fields: Record<string, unknown> = { leaf: '1' };
      for (let i = 1; i < levels; i++) fields = { n: { fields } };
      return { version: 1, records: [{ fields }] };
    };
    expect(() => compileMapping(nest(32))).not.toThrow();
    const error = compileError(nest(33));
    expect(error.problems).toEqual([
      {
        path: `records[0].fields${'.n.fields'.repeat(32)}`,
        message: 'mapping_too_deep: fields nest deeper than 32 levels',
      },
    ]);
    // far deeper than the stack allows: still one problem, not a RangeError
    expect(compileError(nest(100_000)).problems).toEqual([
      expect.objectContaining({ message: 'mapping_too_deep: fields nest deeper than 32 levels' }),
    ]);
  });

  it('checks plain source paths and their types against a closed source interface', () => {
    const error = compileError(
      {
        version: 1,
        records: [
          {
            fields: {
              id: 'orderNo',
              name: '$uppercase(customer.nmae)',
              total: 'customer',
              other: { loop: 'lines', fields: { sku: 'skew', qty: 'qty' } },
              open: 'extra.unlisted', // extra is an open object: anything may be in it
            },
          },
        ],
      },
      { sourceInterface: orders },
    );
    expect(error.problems).toEqual([
      {
        path: 'records[0].fields.id.value',
        message: 'source field "orderNo" does not exist in the source interface',
      },
      {
        path: 'records[0].fields.name.value',
        message: 'source field "customer.nmae" does not exist in the source interface',
      },
      {
        path: 'records[0].fields.other.fields.sku.value',
        message: 'source field "skew" does not exist in the source interface',
      },
    ]);
    const typed = compileError(
      { version: 1, records: [{ fields: { id: 'orderId', name: 'customer', total: 'status' } }] },
      { sourceInterface: orders, targetInterface: target },
    );
    expect(typed.problems.map((p) => p.message)).toEqual([
      'source field of type object cannot fill target field "name" of type string',
      'source field of type string cannot fill target field "total" of type number',
    ]);
  });

  it('checks the shape of nodes against the target interface', () => {
    const shaped = jsonSchemaInterface({
      type: 'object',
      properties: {
        lines: {
          type: 'array',
          items: { type: 'object', properties: { sku: { type: 'string' } } },
        },
        code: { type: 'string' },
      },
    });
    const error = compileError(
      {
        version: 1,
        variables: JSON.parse('{"__proto__": "1"}') as Record<string, string>,
        records: [
          { fields: { lines: { fields: { sku: 'a' } }, code: { loop: 'xs', fields: { a: 'a' } } } },
        ],
      },
      { targetInterface: shaped },
    );
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'variables.__proto__: must be named with letters, digits, _ and not record, item, index, target, __proto__',
      'records[0].fields.lines: target field "lines" is a list: give the node a loop',
      'records[0].fields.code: target field "code" is of type string, not an object',
      'records[0].fields.code.loop: target field "code" is not a list',
    ]);
  });

  it('checks names of lookups, run variables and scripts, and bad documents', () => {
    const error = compileError({
      version: 2,
      records: [
        {
          fields: {
            a: '$lookupTable("nope", x)',
            b: '$runVariable("n")',
            c: { script: 'calc' },
            d: {},
          },
        },
      ],
      onScriptError: 'ignore',
    });
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'version: must be 1',
      'onScriptError: must be "route" or "fail"',
      'records[0].fields.a.value: unknown lookup "nope" (declare it in lookups)',
      'records[0].fields.b.value: unknown run variable "n" (declare it in runVariables)',
      'records[0].fields.c.script: names no script declared in scripts',
      'records[0].fields.d: needs a value, a script, fields or a default',
    ]);
    const reserved = compileError(
      { version: 1, records: [{ fields: { a: 'x' } }] },
      { functions: { script: { implementation: () => 1 } } },
    );
    expect(reserved.problems).toEqual([
      { path: 'options.functions.script', message: 'is a name the mapping reserves' },
    ]);
    expect(compileError('text').problems).toEqual([
      { path: 'document', message: 'must be an object' },
    ]);
    expect(compileError({ version: 1, records: [] }).problems).toEqual([
      { path: 'records', message: 'must be a non-empty list of target records' },
    ]);
  });

  it('rejects a bad validation pattern when compiling', () => {
    const error = compileError({
      version: 1,
      records: [{ fields: { a: { value: 'x', validate: { pattern: '(a)\\1', kind: 1 } } } }],
    });
    expect(error.problems.map((p) => p.path)).toEqual([
      'records[0].fields.a.validate.kind',
      'records[0].fields.a.validate.pattern',
    ]);
    expect(error.problems[1]?.message).toMatch(/^S0303/);
  });
});

describe('apply', () => {
  it('routes expression errors with their path and code, or fails the run when told to', () => {
    const document = { version: 1, records: [{ fields: { n: { value: 'a + 1' } } }] };
    const routed = compileMapping(document);
    const result = routed.apply({ a: 'secret-text' }, routed.createRunContext());
    expect(result).toEqual({
      failed: [
        {
          path: 'records[0].fields.n.value',
          rule: 'evaluation',
          message: expect.stringMatching(/^T2001/),
        },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('secret-text');
    const failing = compileMapping({ ...document, onExpressionError: 'fail' });
    expect(() => failing.apply({ a: 'x' }, failing.createRunContext())).toThrow(
      expect.objectContaining({ code: 'record_failed' }),
    );
  });

  it('calls the injected script runner for script fields and $script, and routes its failures', () => {
    const calls: Array<[string, unknown]> = [];
    const runner: ScriptRunner = {
      run(name, input) {
        calls.push([name, input]);
        if ((input as { boom?: boolean }).boom)
          throw Object.assign(new Error('stopped: time limit'), { code: 'script_timeout' });
        return 42;
      },
    };
    const mapping = compileMapping(
      {
        version: 1,
        scripts: { calc: { language: 'javascript', source: 'return 42' } },
        records: [{ fields: { a: { script: 'calc' }, b: '$script("calc", $) + 1' } }],
      },
      { scriptRunner: runner },
    );
    const run = mapping.createRunContext();
    expect(mapping.apply({ x: 1 }, run)).toEqual({ records: [{ a: 42, b: 43 }] });
    expect(calls.map(([name]) => name)).toEqual(['calc', 'calc']);
    expect(mapping.apply({ boom: true }, run)).toEqual({
      failed: [
        {
          path: 'records[0].fields.a.script',
          rule: 'script',
          message: expect.stringMatching(/^script "calc" failed \(script_timeout\): \w+$/),
        },
      ],
    });
    expect(
      compileError({
        version: 1,
        scripts: { calc: { language: 'javascript', source: '' } },
        records: [{ fields: { a: 'x' } }],
      }).problems,
    ).toEqual([
      {
        path: 'scripts',
        message: 'the mapping declares scripts but no scriptRunner was given to compileMapping',
      },
    ]);
  });

  it('limits the records one source record may produce, and refuses function values as data', () => {
    const mapping = compileMapping({
      version: 1,
      maxRecordsPerSource: 3,
      records: [{ loop: '[1..5]', fields: { n: '$' } }],
    });
    expect(mapping.apply({}, mapping.createRunContext())).toEqual({
      failed: [
        {
          path: 'records[0]',
          rule: 'limit',
          message: 'would produce more than 3 target records from one source record',
        },
      ],
    });
    const lambda = compileMapping({
      version: 1,
      records: [{ fields: { f: 'function($x) { $x }' } }],
    });
    expect(lambda.apply({}, lambda.createRunContext())).toEqual({
      failed: [{ path: 'f', rule: 'type', message: 'is a function, not data' }],
    });
  });

  it('binds $record, $item and $index in loops, and $$ is the context item', () => {
    const mapping = compileMapping({
      version: 1,
      records: [
        {
          loop: 'lines',
          fields: {
            order: '$record.id',
            position: '$index + 1',
            sku: '$$.sku',
            same: '$item.sku = sku',
            parts: { loop: 'parts', fields: { part: '$', of: '$record.id', at: '$index' } },
          },
        },
      ],
    });
    const result = mapping.apply(
      { id: 'o1', lines: [{ sku: 'a', parts: ['x', 'y'] }, { sku: 'b' }] },
      mapping.createRunContext(),
    );
    expect(result).toEqual({
      records: [
        {
          order: 'o1',
          position: 1,
          sku: 'a',
          same: true,
          parts: [
            { part: 'x', of: 'o1', at: 0 },
            { part: 'y', of: 'o1', at: 1 },
          ],
        },
        { order: 'o1', position: 2, sku: 'b', same: true, parts: [] },
      ],
    });
  });

  it('leaves out loop items that evaluate to nothing, as JSONata sequences do', () => {
    const mapping = compileMapping({
      version: 1,
      records: [{ fields: { skus: { loop: 'lines', value: 'sku' } } }],
    });
    const result = mapping.apply(
      { lines: [{ sku: 'a' }, { qty: 1 }, { sku: 'b' }] },
      mapping.createRunContext(),
    );
    expect(result).toEqual({ records: [{ skus: ['a', 'b'] }] });
  });

  it('evaluates variables in order and validates with custom expressions', () => {
    const mapping = compileMapping(
      {
        version: 1,
        variables: { net: 'amount', gross: '$vat($net)' },
        records: [
          {
            fields: {
              gross: { value: '$gross', validate: { expression: '$ < 100', message: 'too large' } },
            },
          },
        ],
      },
      {
        functions: {
          vat: { signature: '<n:n>', implementation: ([net]) => (net as number) * 1.2 },
        },
      },
    );
    const run = mapping.createRunContext();
    expect(mapping.apply({ amount: 10 }, run)).toEqual({ records: [{ gross: 12 }] });
    expect(mapping.apply({ amount: 100 }, run)).toEqual({
      failed: [{ path: 'gross', rule: 'expression', message: 'too large' }],
    });
  });
});
