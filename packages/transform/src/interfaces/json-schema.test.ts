import { readFileSync } from 'node:fs';
import { TransformError } from '../errors.js';
import { inferJsonInterface } from './infer.js';
import { jsonSchemaInterface } from './json-schema.js';
import type { InterfaceField, RecordInterface } from './model.js';

const orderSchema: unknown = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/interfaces/order.schema.json', import.meta.url),
    'utf8',
  ),
);

function byName(fields: readonly InterfaceField[] | undefined, name: string): InterfaceField {
  const found = fields?.find((field) => field.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

function thrown(run: () => unknown): TransformError {
  try {
    run();
  } catch (error) {
    if (TransformError.is(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('jsonSchemaInterface', () => {
  const order: RecordInterface = jsonSchemaInterface(orderSchema);

  it('reduces an object schema to fields with types, requiredness and constraints', () => {
    expect(order.format).toBe('json');
    expect(order.closed).toBe(true);
    expect(order.fields.map((field) => field.name)).toEqual([
      'orderId',
      'status',
      'placed',
      'due',
      'amount',
      'customer',
      'note',
      'lines',
    ]);
    expect(byName(order.fields, 'orderId')).toMatchObject({
      type: 'string',
      required: true,
      repeated: false,
      constraints: { pattern: '^[A-Z]{2}-\\d+$' },
    });
    expect(byName(order.fields, 'status')).toMatchObject({
      type: 'string',
      constraints: { enum: ['open', 'paid', 'void'] },
    });
    expect(byName(order.fields, 'placed').type).toBe('datetime');
    expect(byName(order.fields, 'due')).toMatchObject({ type: 'date', required: false });
    expect(byName(order.fields, 'amount')).toMatchObject({
      type: 'number',
      constraints: { minimum: 0 },
    });
    expect(byName(order.fields, 'note')).toMatchObject({
      type: 'string',
      constraints: { maxLength: 200 },
    });
  });

  it('follows local $refs and describes arrays of objects as repeated fields', () => {
    const customer = byName(order.fields, 'customer');
    expect(customer.type).toBe('object');
    expect(customer.closed).toBe(false); // no additionalProperties: false of its own
    expect(byName(customer.fields, 'name')).toMatchObject({
      required: true,
      constraints: { minLength: 1 },
    });
    const lines = byName(order.fields, 'lines');
    expect(lines).toMatchObject({ type: 'object', repeated: true, required: true });
    expect(byName(lines.fields, 'qty')).toMatchObject({ type: 'integer', required: true });
    expect(byName(lines.fields, 'price')).toMatchObject({ type: 'number', required: false });
  });

  it('merges allOf members and keeps an open record open', () => {
    const schema = {
      allOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { type: 'object', properties: { b: { const: 3 } } },
      ],
    };
    const result = jsonSchemaInterface(schema);
    expect(result.closed).toBe(false);
    expect(byName(result.fields, 'a').required).toBe(true);
    expect(byName(result.fields, 'b')).toMatchObject({
      type: 'integer',
      constraints: { enum: [3] },
    });
  });

  it('cuts a recursive $ref into an open object instead of looping', () => {
    const schema = {
      type: 'object',
      properties: { node: { $ref: '#/$defs/node' } },
      $defs: {
        node: {
          type: 'object',
          properties: { child: { $ref: '#/$defs/node' }, v: { type: 'number' } },
        },
      },
    };
    const node = byName(jsonSchemaInterface(schema).fields, 'node');
    const child = byName(node.fields, 'child');
    expect(child.type).toBe('object');
    expect(child.fields).toBeUndefined();
  });

  it('refuses a $ref outside the document without fetching it', () => {
    const error = thrown(() =>
      jsonSchemaInterface({
        type: 'object',
        properties: { a: { $ref: 'https://example.com/x.json' } },
      }),
    );
    expect(error.code).toBe('unsupported_input');
    expect(error.message).toContain('/properties/a');
    expect(error.message).toContain('not local');
  });

  it('refuses a $ref with a bad % escape as invalid_option naming the ref, cut to 80 characters', () => {
    const bad = thrown(() =>
      jsonSchemaInterface({ type: 'object', properties: { a: { $ref: '#/$defs/%E0%A4%A' } } }),
    );
    expect([bad.code, bad.message]).toEqual([
      'invalid_option',
      'JSON Schema at /properties/a: $ref "#/$defs/%E0%A4%A" is not a valid URI fragment (bad % escape)',
    ]);
    const long = `#/$defs/${'x'.repeat(100)}%`;
    const cut = thrown(() =>
      jsonSchemaInterface({ type: 'object', properties: { a: { $ref: long } } }),
    );
    expect(cut.message).toBe(
      `JSON Schema at /properties/a: $ref ${JSON.stringify(`${long.slice(0, 80)}…`)} is not a valid URI fragment (bad % escape)`,
    );
  });

  it('bounds depth and size', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 200; i++) deep = { type: 'object', properties: { x: deep } };
    expect(thrown(() => jsonSchemaInterface(deep)).code).toBe('limit_exceeded');
    const wide = {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`f${i}`, { type: 'string' }]),
      ),
    };
    expect(thrown(() => jsonSchemaInterface(wide, { maxNodes: 10 })).message).toContain(
      'more than 10 schema nodes',
    );
  });

  it('names the pointer of an unusable schema', () => {
    const error = thrown(() =>
      jsonSchemaInterface({ type: 'object', properties: { a: { type: 'text' } } }),
    );
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain('/properties/a');
    expect(thrown(() => jsonSchemaInterface({ type: 'string' })).message).toContain(
      'must describe an object',
    );
  });
});

describe('inferJsonInterface', () => {
  it('infers types, requiredness, dates and nested shapes from samples', () => {
    const result = inferJsonInterface([
      {
        id: 1,
        name: 'a',
        when: '2024-01-02',
        at: '2024-01-02T10:00:00Z',
        lines: [{ sku: 'x', qty: 1 }],
        tag: null,
      },
      {
        id: 2,
        name: 'b',
        when: '2024-02-03',
        at: '2024-01-02T10:00:00+01:00',
        amount: 1.5,
        lines: [{ sku: 'y', qty: 2.5 }],
      },
    ]);
    expect(result.closed).toBe(false);
    expect(byName(result.fields, 'id')).toMatchObject({ type: 'integer', required: true });
    expect(byName(result.fields, 'when').type).toBe('date');
    expect(byName(result.fields, 'at').type).toBe('datetime');
    expect(byName(result.fields, 'amount')).toMatchObject({ type: 'number', required: false });
    expect(byName(result.fields, 'tag')).toMatchObject({ type: 'any', required: false });
    const lines = byName(result.fields, 'lines');
    expect(lines).toMatchObject({ type: 'object', repeated: true });
    expect(byName(lines.fields, 'qty').type).toBe('number');
  });

  it('refuses samples that are not objects and stays bounded on deep input', () => {
    expect(() => inferJsonInterface([1])).toThrow('sample 1 is not a JSON object');
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const result = inferJsonInterface([deep as Record<string, unknown>], { maxDepth: 4 });
    let field = byName(result.fields, 'd');
    for (let i = 0; i < 3; i++) field = byName(field.fields, 'd');
    expect(field.type).toBe('any');
  });
});
