import { TransformError } from '../errors.js';
import { testTransform, TEST_MODE_MAX_INPUT_BYTES } from './test-mode.js';

const mappingText = `
version: 1
lookups: [units]
records:
  - fields:
      id: id
      unit: { value: '$lookupTable("units", u)', default: '?' }
      qty: { value: qty, validate: { type: integer } }
`;

describe('testTransform', () => {
  it('returns output, failed records and counts for a sample', async () => {
    const result = await testTransform({
      input: '{"id":"a","u":"kg","qty":1}\n{"id":"b","u":"x","qty":1.5}\nnot json\n',
      format: 'ndjson',
      mapping: mappingText,
      lookups: { units: new Map([['kg', 'kilogram']]) },
    });
    expect(result.output).toBe('{"id":"a","unit":"kilogram","qty":1}\n');
    expect(result.errors).toEqual([]);
    expect(result.counts).toEqual({ read: 3, written: 1, failed: 2, skipped: 0 });
    expect(result.failed.map((failed) => failed.reasons[0]?.rule)).toEqual(['type', 'read']);
  });

  it('refuses a sample over 100 KB with a clear error', async () => {
    const input = new Uint8Array(TEST_MODE_MAX_INPUT_BYTES + 1);
    const error = await testTransform({ input, format: 'ndjson', mapping: mappingText }).catch(
      (e: unknown) => e,
    );
    expect(TransformError.is(error) && error.code).toBe('limit_exceeded');
    expect((error as Error).message).toBe(
      'sample is 102401 bytes; test mode accepts at most 102400',
    );
    // exactly at the limit is accepted (multi-byte characters count as bytes)
    const atLimit = `${'"é"\n'.repeat(TEST_MODE_MAX_INPUT_BYTES / 5)}`;
    await expect(
      testTransform({
        input: atLimit,
        format: 'ndjson',
        mapping: { version: 1, records: [{ fields: { v: '$' } }] },
      }),
    ).resolves.toMatchObject({ errors: [] });
  });

  it('returns compile problems and run errors in errors instead of throwing', async () => {
    const result = await testTransform({
      input: '{}\n',
      format: 'ndjson',
      mapping: 'version: 1\nrecords: [{ fields: { a: "1 +" } }]\n',
    });
    expect(result.errors).toEqual([
      expect.stringMatching(/^records\[0\]\.fields\.a\.value: S0207 /),
    ]);
    const big = await testTransform({
      input: '{}\n',
      format: 'ndjson',
      mapping: { version: 1, records: [{ fields: { s: '$pad("", 2000, "x")' } }] },
      maxOutputBytes: 1000,
    });
    expect(big.errors).toEqual(['output is over 1000 bytes; test mode keeps at most that']);
    await expect(
      testTransform({ input: '', format: 'nope' as 'csv', mapping: mappingText }),
    ).rejects.toThrow('unknown format "nope"');
  });

  it('reads and writes every registered format, round-tripping through the registry', async () => {
    const mapping = { version: 1, records: [{ fields: { id: 'id', name: '$uppercase(name)' } }] };
    const json = await testTransform({
      input: '[{"id":"1","name":"ada"},{"id":"2","name":"bo"}]',
      format: 'json',
      outputFormat: 'xml',
      writeOptions: { rootElement: 'People', recordElement: 'Person' },
      mapping,
    });
    expect(json.errors).toEqual([]);
    const back = await testTransform({
      input: json.output,
      format: 'xml',
      readOptions: { recordElement: 'Person' },
      outputFormat: 'csv',
      mapping: { version: 1, records: [{ fields: { id: 'id', name: 'name' } }] },
    });
    expect(back.errors).toEqual([]);
    expect(back.output.replaceAll('\r\n', '\n')).toBe('id,name\n1,ADA\n2,BO\n');
    const layout = {
      fields: [
        { name: 'id', start: 1, length: 3 },
        { name: 'name', start: 4, length: 5 },
      ],
    };
    const fixed = await testTransform({
      input: back.output,
      format: 'csv',
      outputFormat: 'fixed-width',
      writeOptions: { layout },
      mapping: { version: 1, records: [{ fields: { id: 'id', name: 'name' } }] },
    });
    expect(fixed.errors).toEqual([]);
    expect(fixed.counts.written).toBe(2);
    const again = await testTransform({
      input: fixed.output,
      format: 'fixed-width',
      readOptions: { layout },
      mapping: { version: 1, records: [{ fields: { id: 'id', name: 'name' } }] },
    });
    expect(again.output).toBe('{"id":"1","name":"ADA"}\n{"id":"2","name":"BO"}\n');
  });

  it('keeps at most 100 failed records of 20 reasons each and says it truncated', async () => {
    const fields = Object.fromEntries(
      Array.from({ length: 30 }, (_, n) => [
        `f${n}`,
        { value: 'qty', validate: { type: 'integer' } },
      ]),
    );
    const input = Array.from({ length: 150 }, () => '{"qty":1.5}').join('\n') + '\n';
    const result = await testTransform({
      input,
      format: 'ndjson',
      mapping: { version: 1, records: [{ fields }] },
    });
    expect(result.counts.failed).toBe(150);
    expect(result.failed).toHaveLength(100);
    expect(result.failed.every((record) => record.reasons.length === 20)).toBe(true);
    expect(result.truncated).toBe(true);
  });

  it('stops at its time budget with a clear error and keeps the output so far', async () => {
    // each record costs tens of ms of expression work: well under the per-expression limit
    const slow = '$sum($map([1..50000], function($v) { $v % 7 }))';
    const input = Array.from({ length: 200 }, (_, n) => `{"id":${n}}`).join('\n') + '\n';
    const started = Date.now();
    const result = await testTransform({
      input,
      format: 'ndjson',
      mapping: { version: 1, records: [{ fields: { id: 'id', work: slow } }] },
      timeBudgetMs: 150,
    });
    const elapsed = Date.now() - started;
    expect(result.errors).toEqual([
      'test mode stopped after its time budget of 150 ms; the output so far is kept',
    ]);
    expect(result.counts.read).toBeGreaterThan(0);
    expect(result.counts.read).toBeLessThan(200);
    // what was written before the stop is returned, one line per written record
    expect(result.output.split('\n').filter(Boolean)).toHaveLength(result.counts.written);
    expect(result.output.startsWith('{"id":0,')).toBe(true);
    expect(elapsed).toBeLessThan(5000);
    await expect(
      testTransform({ input: '{}\n', format: 'ndjson', mapping: mappingText, timeBudgetMs: 0 }),
    ).rejects.toThrow('timeBudgetMs must be an integer from 1 to 60000');
  });

  it('lets the event loop run between records, so a slow sample does not stall its server', async () => {
    const slow = '$sum($map([1..50000], function($v) { $v % 7 }))';
    const input = Array.from({ length: 40 }, (_, n) => `{"id":${n}}`).join('\n') + '\n';
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    const started = Date.now();
    try {
      const result = await testTransform({
        input,
        format: 'ndjson',
        mapping: { version: 1, records: [{ fields: { id: 'id', work: slow } }] },
      });
      expect(result.counts.read).toBe(40);
    } finally {
      clearInterval(ticker);
    }
    const elapsed = Date.now() - started;
    // Timers fired throughout the run, not once at its end (each record takes tens of ms).
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(5);
  });

  it('fails a record too deep for the XML writer, which stops one level before JSON', async () => {
    // the record object plus 255 nested objects: 256 levels, JSON's limit, one past XML's
    const mapping = {
      version: 1,
      records: [{ fields: { v: '$reduce([1..254], function($a, $v) { { "a": $a } }, {})' } }],
    };
    const json = await testTransform({ input: '{}\n', format: 'ndjson', mapping });
    expect(json).toMatchObject({ errors: [], counts: { written: 1, failed: 0 } });
    const xml = await testTransform({
      input: '{}\n',
      format: 'ndjson',
      outputFormat: 'xml',
      mapping,
    });
    expect(xml.errors).toEqual([]);
    expect(xml.counts).toEqual({ read: 1, written: 0, failed: 1, skipped: 0 });
    expect(xml.failed[0]?.reasons).toEqual([
      { path: '', rule: 'limit', message: 'nested deeper than 255 levels' },
    ]);
  });
});
