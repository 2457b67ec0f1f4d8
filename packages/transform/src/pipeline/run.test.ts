import { PassThrough } from 'node:stream';
import { compileMapping } from '../mapping/compile.js';
import { MappingError } from '../mapping/errors.js';
import { readNdjson, type RecordResult } from '../ndjson-reader.js';
import { writeNdjson } from '../ndjson-writer.js';
import { TransformError } from '../errors.js';
import { runTransform, type FailedRecord } from './run.js';
import { streamSink } from './sinks.js';
import { getFormat } from './formats.js';

const mapping = compileMapping({
  version: 1,
  records: [
    {
      when: 'status != "void"',
      fields: { id: 'id', total: { value: 'qty * price', validate: { maximum: 100 } } },
    },
  ],
});

async function* text(...chunks: string[]): AsyncGenerator<string> {
  yield* chunks;
}

function collect(into: unknown[]): (records: AsyncIterable<unknown>) => Promise<void> {
  return async (records) => {
    for await (const record of records) into.push(record);
  };
}

describe('runTransform', () => {
  it('maps good records, routes failed ones with reasons, counts skipped', async () => {
    const input = [
      '{"id":1,"status":"open","qty":2,"price":3}',
      '{"id":2,"status":"void","qty":1,"price":1}',
      '{"id":3,"status":"open","qty":50,"price":3}',
      '{"id":4,',
      '{"id":5,"status":"open","qty":1,"price":1}',
    ].join('\n');
    const written: unknown[] = [];
    const failed: FailedRecord[] = [];
    const progress: number[] = [];
    const counts = await runTransform({
      reader: readNdjson(text(input)),
      mapping,
      writer: collect(written),
      failedWriter: (record) => void failed.push(record),
      onProgress: (latest) => progress.push(latest.read),
      progressEvery: 2,
    });
    expect(counts).toEqual({ read: 5, written: 2, failed: 2, skipped: 1 });
    expect(written).toEqual([
      { id: 1, total: 6 },
      { id: 5, total: 1 },
    ]);
    expect(failed).toEqual([
      {
        line: 3,
        record: { id: 3, status: 'open', qty: 50, price: 3 },
        reasons: [{ path: 'total', rule: 'range', message: 'must be at most 100' }],
      },
      {
        line: 4,
        reasons: [
          { path: '', rule: 'read', message: expect.stringMatching(/^line 4: invalid JSON/) },
        ],
      },
    ]);
    expect(progress).toEqual([2, 4, 5]);
  });

  it('pulls: the reader runs at most one record ahead of the writer', async () => {
    let produced = 0;
    async function* results(): AsyncGenerator<RecordResult> {
      for (let i = 1; i <= 100; i++) {
        produced = i;
        yield { ok: true, line: i, record: { id: i, status: 'open', qty: 1, price: 1 } };
      }
    }
    const gaps: number[] = [];
    await runTransform({
      reader: results(),
      mapping,
      writer: async (records) => {
        let taken = 0;
        for await (const _ of records) {
          taken += 1;
          gaps.push(produced - taken);
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    });
    expect(Math.max(...gaps)).toBe(0);
    expect(gaps).toHaveLength(100);
  });

  it('stops on abort and releases the reader', async () => {
    const controller = new AbortController();
    let released = false;
    async function* results(): AsyncGenerator<RecordResult> {
      try {
        for (let i = 1; ; i++)
          yield { ok: true, line: i, record: { id: i, status: 'open', qty: 1, price: 1 } };
      } finally {
        released = true;
      }
    }
    const written: unknown[] = [];
    const run = runTransform({
      reader: results(),
      mapping,
      signal: controller.signal,
      writer: async (records) => {
        for await (const record of records) {
          written.push(record);
          if (written.length === 10) controller.abort(new Error('stopped by user'));
        }
      },
    });
    await expect(run).rejects.toThrow('stopped by user');
    expect(written).toHaveLength(10);
    expect(released).toBe(true);
  });

  it('stops on abort while the reader waits for a source that never delivers', async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<RecordResult> {
      yield { ok: true, line: 1, record: { id: 1, status: 'open', qty: 1, price: 1 } };
      await new Promise(() => undefined); // a socket nobody writes to
    }
    const written: unknown[] = [];
    const run = runTransform({
      reader: stalled(),
      mapping,
      signal: controller.signal,
      writer: collect(written),
    });
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(run).rejects.toThrow('cancelled');
    expect(written).toHaveLength(1);
  });

  it('rejects with the mapping error when the document says fail, and with reader errors', async () => {
    const failing = compileMapping({
      version: 1,
      onValidationError: 'fail',
      records: [{ fields: { n: { value: 'n', validate: { type: 'integer' } } } }],
    });
    await expect(
      runTransform({
        reader: readNdjson(text('{"n":1}\n{"n":1.5}\n')),
        mapping: failing,
        writer: collect([]),
      }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'record_failed',
        message: 'record failed: n: must be an integer',
      }),
    );
    async function* broken(): AsyncGenerator<RecordResult> {
      yield { ok: true, line: 1, record: { n: 1 } };
      throw new TransformError('malformed_input', 'unclosed quote at line 2, column 1');
    }
    await expect(
      runTransform({ reader: broken(), mapping: failing, writer: collect([]) }),
    ).rejects.toThrow('unclosed quote at line 2, column 1');
    expect(MappingError.is(new MappingError('record_failed', 'x'))).toBe(true);
  });

  it('refuses a writer that stops early, after releasing the reader', async () => {
    let released = false;
    async function* results(): AsyncGenerator<RecordResult> {
      try {
        for (let i = 1; i < 10; i++)
          yield { ok: true, line: i, record: { id: i, status: 'open', qty: 1, price: 1 } };
      } finally {
        released = true;
      }
    }
    const run = runTransform({
      reader: results(),
      mapping,
      writer: async (records) => {
        for await (const _ of records) break;
      },
    });
    await expect(run).rejects.toThrow('the writer stopped before the last record');
    expect(released).toBe(true);
  });

  it('writes through a format writer into a stream', async () => {
    const destination = new PassThrough();
    const chunks: string[] = [];
    destination.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const counts = await runTransform({
      reader: readNdjson(text('{"id":1,"status":"open","qty":1,"price":2}\n')),
      mapping,
      writer: streamSink(writeNdjson, destination),
    });
    expect(counts.written).toBe(1);
    expect(chunks.join('')).toBe('{"id":1,"total":2}\n');
  });

  it.each(['ndjson', 'json', 'xml'] as const)(
    'fails a target record nested too deep for the %s writer instead of the whole run',
    async (format) => {
      // 100,000 levels: past JSON.stringify's stack and the XML writer's limit
      const deep = compileMapping({
        version: 1,
        records: [
          {
            fields: {
              id: 'id',
              value: 'deep ? $reduce([1..100000], function($a, $v) { { "a": $a } }, {}) : 1',
            },
          },
        ],
      });
      const input = ['{"id":1}', '{"id":2,"deep":true}', '{"id":3}'].join('\n');
      const failed: FailedRecord[] = [];
      let output = '';
      const counts = await runTransform({
        reader: readNdjson(text(input)),
        mapping: deep,
        writer: async (records) => {
          for await (const chunk of getFormat(format).write(records)) output += String(chunk);
        },
        failedWriter: (record) => void failed.push(record),
      });
      expect(counts).toEqual({ read: 3, written: 2, failed: 1, skipped: 0 });
      expect(failed).toEqual([
        {
          line: 2,
          record: { id: 2, deep: true },
          reasons: [{ path: '', rule: 'limit', message: 'nested deeper than 256 levels' }],
        },
      ]);
      expect(output).toContain('3');
    },
  );

  it('keeps a record exactly at maxRecordDepth and fails one level deeper', async () => {
    const nest = compileMapping({
      version: 1,
      records: [{ fields: { v: '$reduce([1..n], function($a, $v) { { "a": $a } }, {})' } }],
    });
    const run = async (n: number): Promise<number> =>
      (
        await runTransform({
          reader: readNdjson(text(`{"n":${n}}`)),
          mapping: nest,
          writer: collect([]),
          maxRecordDepth: 10,
        })
      ).failed;
    // the record object is level 1, the innermost object level n + 2
    expect(await run(8)).toBe(0);
    expect(await run(9)).toBe(1);
  });
});
