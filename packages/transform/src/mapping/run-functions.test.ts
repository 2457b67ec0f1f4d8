import { compileMapping } from './compile.js';

describe('run functions never quote record data in their errors', () => {
  it('does not name an undeclared lookup table computed from the record', () => {
    const mapping = compileMapping(
      {
        version: 1,
        lookups: ['units'],
        records: [{ fields: { t: { value: "$lookupTable(table, 'k')" } } }],
      },
      { lookups: ['units'] },
    );
    const run = mapping.createRunContext({ lookups: { units: new Map() } });
    const result = mapping.apply({ table: 'SSN 123-45-6789' }, run);
    expect(result).toHaveProperty('failed');
    expect(JSON.stringify(result)).not.toContain('123-45-6789');
    expect(JSON.stringify(result)).toContain('not declared');
  });

  it("keeps a failing script's error class, never its message", () => {
    const mapping = compileMapping(
      {
        version: 1,
        scripts: { parse: { language: 'javascript', source: 'return JSON.parse(record.p)' } },
        records: [{ fields: { x: { script: 'parse' } } }],
      },
      {
        scriptRunner: {
          run: (_name, input) => {
            throw new SyntaxError(`unexpected token: '${String((input as { p: string }).p)}'`);
          },
        },
      },
    );
    const result = mapping.apply({ p: 'IBAN DE89370400440532013000' }, mapping.createRunContext());
    expect(JSON.stringify(result)).not.toContain('DE89');
    expect(JSON.stringify(result)).toContain('SyntaxError');
  });
});
