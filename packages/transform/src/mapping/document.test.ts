import { MappingError } from './errors.js';
import { parseMappingDocument } from './document.js';

function parseError(
  text: string,
  options?: Parameters<typeof parseMappingDocument>[1],
): MappingError {
  try {
    parseMappingDocument(text, options);
  } catch (error) {
    if (MappingError.is(error)) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseMappingDocument', () => {
  it('reads YAML and JSON to the same data', () => {
    const yaml =
      'version: 1\nrecords:\n  - fields: { id: orderId, n: { value: "qty * 2", default: 0 } }\n';
    const json =
      '{"version":1,"records":[{"fields":{"id":"orderId","n":{"value":"qty * 2","default":0}}}]}';
    expect(parseMappingDocument(yaml)).toEqual(JSON.parse(json));
    expect(parseMappingDocument(json)).toEqual(JSON.parse(json));
    expect(parseMappingDocument(json, { format: 'json' })).toEqual(JSON.parse(json));
  });

  it('refuses a YAML alias bomb (billion laughs) instead of expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    const error = parseError(lines.join('\n'));
    expect(error.code).toBe('invalid_mapping');
    expect(error.message).toMatch(/alias/i);
  });

  it('uses the core schema: no custom tags, no merge keys, no duplicate keys', () => {
    expect(parseError('version: 1\nf: !!js/function "function(){}"\n').message).toMatch(/line 2/);
    expect(parseMappingDocument('base: &b { x: 1 }\nother:\n  <<: *b\n')).toEqual({
      base: { x: 1 },
      other: { '<<': { x: 1 } },
    });
    expect(parseError('version: 1\nversion: 2\n').message).toMatch(
      /line 2, column 1: DUPLICATE_KEY/,
    );
  });

  it('names line and column of a syntax error, and bounds the text size', () => {
    expect(parseError('records:\n  - fields: { a: [ }\n').problems[0]?.path).toMatch(
      /^line 2, column \d+$/,
    );
    expect(parseError('x'.repeat(20), { maxLength: 10 }).message).toBe(
      'mapping document is 20 characters; at most 10 are accepted',
    );
  });
});
