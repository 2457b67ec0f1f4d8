import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransformError } from '../../errors.js';
import { readAll } from './test-helpers.spec.js';
import { parseXsd } from './xsd.js';
import { xmlInterface } from './xsd-interface.js';

const fixtures = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'xml',
);
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

const schema = (body: string, attributes = ''): string =>
  `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" ${attributes}>${body}</xs:schema>`;

function schemaError(text: string): unknown {
  try {
    parseXsd(text);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseXsd', () => {
  it('resolves named and anonymous types, refs, occurrence and the target namespace', () => {
    const parsed = parseXsd(fixture('orders.xsd'));
    expect(parsed.targetNamespace).toBe('urn:weft:orders');
    expect(parsed.elements.map((e) => [e.name, e.namespace])).toEqual([
      ['Orders', 'urn:weft:orders'],
      ['note', 'urn:weft:orders'],
    ]);
    expect([...parsed.types.keys()]).toEqual([
      'OrderType',
      'Customer',
      'Status',
      'Sku',
      'Money',
      'Amount',
    ]);
    const orders = parsed.elements[0]!.type;
    expect(orders.kind === 'complex' && orders.content).toMatchObject({
      kind: 'sequence',
      particles: [
        {
          kind: 'element',
          minOccurs: 0,
          maxOccurs: Number.POSITIVE_INFINITY,
          element: { name: 'Order', type: { name: 'OrderType' } },
        },
      ],
    });
    expect(parsed.types.get('Money')).toEqual({
      kind: 'simple',
      name: 'Money',
      builtin: 'decimal',
      facets: { minInclusive: '0', maxExclusive: '1000000', fractionDigits: 2 },
    });
    expect(parsed.types.get('Amount')).toMatchObject({
      kind: 'complex',
      text: { builtin: 'decimal', facets: { minInclusive: '0' } },
      attributes: [{ name: 'currency', required: true }],
    });
  });

  it('resolves recursive types to the same object instead of looping', () => {
    const parsed = parseXsd(
      schema(`<xs:element name="node" type="Node"/>
        <xs:complexType name="Node"><xs:sequence>
          <xs:element name="value" type="xs:int"/>
          <xs:element name="child" type="Node" minOccurs="0" maxOccurs="unbounded"/>
          <xs:element ref="node" minOccurs="0"/>
        </xs:sequence></xs:complexType>`),
    );
    const node = parsed.types.get('Node');
    expect(
      node?.kind === 'complex' && node.content?.kind === 'sequence' && node.content.particles[1],
    ).toMatchObject({
      element: { type: node },
    });
    const iface = xmlInterface(parsed, 'node');
    expect(iface.fields.map((f) => [f.name, f.type, f.repeated, f.fields?.length])).toEqual([
      ['value', 'integer', false, undefined],
      ['child', 'object', true, undefined],
      ['node', 'object', false, undefined],
    ]);
  });

  it('derives complex content by extension and simple types by restriction of named types', () => {
    const parsed = parseXsd(
      schema(`<xs:complexType name="Base"><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence>
          <xs:attribute name="id" type="xs:ID"/></xs:complexType>
        <xs:complexType name="Derived"><xs:complexContent><xs:extension base="Base">
          <xs:sequence><xs:element name="b" type="Small"/></xs:sequence><xs:attribute name="extra" type="xs:boolean"/>
        </xs:extension></xs:complexContent></xs:complexType>
        <xs:simpleType name="Small"><xs:restriction base="Byteish"><xs:maxInclusive value="10"/></xs:restriction></xs:simpleType>
        <xs:simpleType name="Byteish"><xs:restriction base="xs:unsignedByte"><xs:pattern value="[0-9]+"/><xs:pattern value="x"/></xs:restriction></xs:simpleType>
        <xs:element name="d" type="Derived"/>`),
    );
    expect(xmlInterface(parsed, 'd').fields).toEqual([
      { name: '@id', type: 'string', required: false, repeated: false },
      { name: '@extra', type: 'boolean', required: false, repeated: false },
      { name: 'a', type: 'string', required: true, repeated: false },
      {
        name: 'b',
        type: 'integer',
        required: true,
        repeated: false,
        constraints: { minimum: 0, maximum: 10, pattern: '(?:[0-9]+)|(?:x)' },
      },
    ]);
  });

  it.each([
    [
      'xs:import',
      schema('<xs:import namespace="urn:x" schemaLocation="http://attacker.invalid/x.xsd"/>'),
      'unsupported_input',
      /^xs:import \(other schema documents are never fetched or opened\) at line 1, column 57$/,
    ],
    [
      'xs:include',
      schema('<xs:include schemaLocation="file:///etc/passwd"/>'),
      'unsupported_input',
      /^xs:include .* never fetched/,
    ],
    [
      'xs:redefine',
      schema('<xs:redefine schemaLocation="a.xsd"/>'),
      'unsupported_input',
      /^xs:redefine/,
    ],
    [
      'a DOCTYPE',
      '<!DOCTYPE xs:schema [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + schema(''),
      'unsupported_input',
      /^a DOCTYPE declaration/,
    ],
    [
      'an undefined entity',
      schema('<xs:element name="&e;"/>'),
      'malformed_input',
      /undefined entity/,
    ],
    [
      'a missing type',
      schema('<xs:element name="a" type="Nope"/>'),
      'malformed_input',
      /^a reference to type "Nope", which this schema does not define, at line 1/,
    ],
    [
      'a missing element ref',
      schema(
        '<xs:element name="a"><xs:complexType><xs:sequence><xs:element ref="b"/></xs:sequence></xs:complexType></xs:element>',
      ),
      'malformed_input',
      /element ref to "b"/,
    ],
    [
      'an undeclared prefix',
      schema('<xs:element name="a" type="q:T"/>'),
      'malformed_input',
      /undeclared prefix/,
    ],
    [
      'bad maxOccurs',
      schema(
        '<xs:element name="a"><xs:complexType><xs:sequence><xs:element name="b" maxOccurs="many"/></xs:sequence></xs:complexType></xs:element>',
      ),
      'malformed_input',
      /invalid minOccurs or maxOccurs/,
    ],
    [
      'a named group',
      schema('<xs:group name="g"/>'),
      'unsupported_input',
      /^xs:group, which is outside the supported XSD subset, at line 1/,
    ],
    ['not a schema', '<schema/>', 'malformed_input', /not xs:schema/],
    [
      'an unknown built-in',
      schema('<xs:element name="a" type="xs:nonsense"/>'),
      'unsupported_input',
      /xs:nonsense/,
    ],
    ['truncated', schema('<xs:element name="a">'), 'malformed_input', /line 1/],
  ])('refuses %s', (_what, text, code, message) => {
    const error = schemaError(text);
    expect(TransformError.is(error)).toBe(true);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });
});

describe('xmlInterface', () => {
  const parsed = parseXsd(fixture('orders.xsd'));

  it('reduces the record element to fields: attributes, children, occurrence, types and constraints', () => {
    const iface = xmlInterface(parsed, 'Order');
    expect(iface.format).toBe('xml');
    expect(iface.closed).toBe(true);
    expect(iface.fields).toEqual([
      { name: '@id', type: 'integer', required: true, repeated: false },
      {
        name: '@channel',
        type: 'string',
        required: false,
        repeated: false,
        constraints: { enum: ['web', 'phone'] },
      },
      {
        name: 'customer',
        type: 'object',
        required: true,
        repeated: false,
        fields: [
          {
            name: 'name',
            type: 'string',
            required: true,
            repeated: false,
            constraints: { minLength: 1, maxLength: 80 },
          },
          { name: 'vip', type: 'boolean', required: false, repeated: false },
        ],
      },
      {
        name: 'status',
        type: 'string',
        required: true,
        repeated: false,
        constraints: { enum: ['open', 'paid', 'shipped'] },
      },
      { name: 'placed', type: 'datetime', required: true, repeated: false },
      { name: 'due', type: 'date', required: false, repeated: false },
      { name: 'paid', type: 'boolean', required: true, repeated: false },
      {
        name: 'line',
        type: 'object',
        required: true,
        repeated: true,
        description: 'One order line: a product and a quantity.',
        fields: [
          {
            name: '@number',
            type: 'integer',
            required: true,
            repeated: false,
            constraints: { minimum: -2147483648, maximum: 2147483647 },
          },
          {
            name: 'sku',
            type: 'string',
            required: true,
            repeated: false,
            constraints: { minLength: 8, maxLength: 8, pattern: '[A-Z]{3}-[0-9]{4}' },
          },
          {
            name: 'quantity',
            type: 'integer',
            required: true,
            repeated: false,
            constraints: { minimum: 1 },
          },
          {
            name: 'price',
            type: 'number',
            required: true,
            repeated: false,
            constraints: { minimum: 0 },
          },
        ],
      },
      { name: 'email', type: 'string', required: false, repeated: false },
      { name: 'phone', type: 'string', required: false, repeated: false },
      { name: 'note', type: 'string', required: false, repeated: true },
      {
        name: 'total',
        type: 'object',
        required: true,
        repeated: false,
        fields: [
          { name: '@currency', type: 'string', required: true, repeated: false },
          {
            name: '#text',
            type: 'number',
            required: false,
            repeated: false,
            constraints: { minimum: 0 },
          },
        ],
      },
    ]);
  });

  it('drives the reader: arrays for maxOccurs > 1 even with one occurrence, typed values', async () => {
    const iface = xmlInterface(parsed, 'Orders/Order');
    const results = await readAll(fixture('orders.xml'), {
      recordElement: 'Order',
      interface: iface,
    });
    expect(results).toEqual([
      {
        ok: true,
        line: 3,
        record: {
          '@id': 1001,
          '@channel': 'web',
          customer: { name: 'Zoë Ångström', vip: true },
          status: 'paid',
          placed: '2026-11-24T10:15:00Z',
          due: '2026-12-01',
          paid: true,
          line: [{ '@number': 1, sku: 'ABC-0001', quantity: 2, price: 19.99 }],
          email: 'zoe@example.com',
          note: ['Leave at the door'],
          total: { '@currency': 'EUR', '#text': 39.98 },
        },
      },
      {
        ok: true,
        line: 14,
        record: {
          '@id': 1002,
          customer: { name: 'Kraków & Co' },
          status: 'open',
          placed: '2026-11-24T11:00:00+01:00',
          paid: false,
          line: [
            { '@number': 1, sku: 'XYZ-0002', quantity: 1, price: 5 },
            { '@number': 2, sku: 'XYZ-0003', quantity: 10, price: 0.5 },
          ],
          phone: '+48 12 000 00 00',
          total: { '@currency': 'PLN', '#text': 10 },
        },
      },
    ]);
  });

  it('names fields with the prefixes of the namespace map', () => {
    const iface = xmlInterface(parsed, 'o:Order', { namespaces: { o: 'urn:weft:orders' } });
    expect(iface.fields.map((f) => f.name)).toEqual([
      '@id',
      '@channel',
      'o:customer',
      'o:status',
      'o:placed',
      'o:due',
      'o:paid',
      'o:line',
      'o:email',
      'o:phone',
      'o:note',
      'o:total',
    ]);
  });

  it('refuses a record element the schema does not declare, and bad paths', () => {
    expect(() => xmlInterface(parsed, 'Invoice')).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => xmlInterface(parsed, '/Order')).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => xmlInterface(parsed, 'x:Order')).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });

  it('stops a schema whose types nest exponentially, quickly', () => {
    // T0 has ten children of type T1, T1 ten of T2, … : 10^12 fields if expanded.
    let types =
      '<xs:complexType name="T12"><xs:sequence><xs:element name="leaf" type="xs:string"/></xs:sequence></xs:complexType>';
    for (let level = 0; level < 12; level++) {
      const children = Array.from(
        { length: 10 },
        (_, i) => `<xs:element name="c${i}" type="T${level + 1}"/>`,
      ).join('');
      types += `<xs:complexType name="T${level}"><xs:sequence>${children}</xs:sequence></xs:complexType>`;
    }
    const laughs = parseXsd(schema(`<xs:element name="root" type="T0"/>${types}`));
    const started = Date.now();
    expect(() => xmlInterface(laughs, 'root')).toThrow(
      expect.objectContaining({
        code: 'limit_exceeded',
        message: "the record's interface would have more than 10000 fields",
      }),
    );
    expect(() => xmlInterface(laughs, 'nowhere')).toThrow(
      expect.objectContaining({ code: 'limit_exceeded' }),
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a cyclic simple-type derivation with malformed_input instead of overflowing', () => {
    const cycle = schemaError(
      schema(`<xs:simpleType name="A"><xs:restriction base="B"/></xs:simpleType>
        <xs:simpleType name="B"><xs:restriction base="A"/></xs:simpleType>
        <xs:element name="e" type="A"/>`),
    );
    expect(TransformError.is(cycle) && [cycle.code, cycle.message]).toEqual([
      'malformed_input',
      expect.stringMatching(/^circular type derivation: A at line 1, column \d+$/),
    ]);
    const self = schemaError(
      schema(`<xs:simpleType name="Self"><xs:restriction base="Self"/></xs:simpleType>
        <xs:element name="e" type="Self"/>`),
    );
    expect(TransformError.is(self) && [self.code, self.message]).toEqual([
      'malformed_input',
      expect.stringMatching(/^circular type derivation: Self at line 1, column \d+$/),
    ]);
    // a type reached twice without a cycle is fine
    expect(() =>
      parseXsd(
        schema(`<xs:simpleType name="Base"><xs:restriction base="xs:string"/></xs:simpleType>
          <xs:simpleType name="Left"><xs:restriction base="Base"/></xs:simpleType>
          <xs:simpleType name="Right"><xs:restriction base="Base"/></xs:simpleType>
          <xs:element name="l" type="Left"/><xs:element name="r" type="Right"/>`),
      ),
    ).not.toThrow();
  });

  it('marks a type with xs:any or xs:anyAttribute open', () => {
    const open = parseXsd(
      schema(
        '<xs:element name="r"><xs:complexType><xs:sequence><xs:any/></xs:sequence></xs:complexType></xs:element>',
      ),
    );
    expect(xmlInterface(open, 'r').closed).toBe(false);
  });
});
