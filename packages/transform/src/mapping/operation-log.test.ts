import { createScriptSandbox, type ScriptSandbox } from '../scripts/index.js';
import { compileMapping } from './compile.js';
import { MAX_OPERATION_LOG_MESSAGE_LENGTH } from './index.js';
import { sandboxedScripts } from './sandboxed-scripts.js';

function logged() {
  const messages: string[] = [];
  return { messages, sink: (message: string) => void messages.push(message) };
}

describe('$writeToOperationLog in expressions', () => {
  const mapping = compileMapping({
    version: 1,
    records: [
      {
        fields: {
          id: "$writeToOperationLog('order ' & $record.id) ~> $substringAfter('order ')",
          total: '$writeToOperationLog($record.total)',
          lines: '$writeToOperationLog($record.lines)',
          missing: '$writeToOperationLog($record.nothing)',
        },
      },
    ],
  });
  const record = { id: 'A-1', total: 12.5, lines: [{ sku: 'x', qty: 2 }] };

  it('hands each message to the run’s sink, in order, and returns its argument', () => {
    const { messages, sink } = logged();
    const result = mapping.apply(record, mapping.createRunContext({ operationLog: sink }));
    expect(result).toEqual({
      records: [{ id: 'A-1', total: 12.5, lines: [{ sku: 'x', qty: 2 }] }],
    });
    // strings as they are, anything else as JSON; no value, no message
    expect(messages).toEqual(['order A-1', '12.5', '[{"sku":"x","qty":2}]']);
  });

  it('is a no-op without a sink, with the same output', () => {
    expect(mapping.apply(record, mapping.createRunContext())).toEqual(
      mapping.apply(record, mapping.createRunContext({ operationLog: () => undefined })),
    );
  });

  it('cuts a message to 1,000 characters, never inside a character', () => {
    const long = compileMapping({
      version: 1,
      records: [{ fields: { a: '$writeToOperationLog($record.text)' } }],
    });
    const { messages, sink } = logged();
    const run = long.createRunContext({ operationLog: sink });
    const text = `${'x'.repeat(MAX_OPERATION_LOG_MESSAGE_LENGTH - 1)}🗝🗝`;
    expect(long.apply({ text }, run)).toEqual({ records: [{ a: text }] });
    long.apply({ text: 'y'.repeat(5000) }, run);
    expect(MAX_OPERATION_LOG_MESSAGE_LENGTH).toBe(1000);
    expect(messages[0]).toBe('x'.repeat(999)); // the key's two halves stay together: both go
    expect(messages[1]).toBe('y'.repeat(1000));
  });

  it('does not fail the record when the sink throws', () => {
    const run = mapping.createRunContext({
      operationLog: () => {
        throw new Error('sink broke');
      },
    });
    expect(mapping.apply(record, run)).toHaveProperty('records');
  });

  it('refuses a sink that is not a function', () => {
    expect(() => mapping.createRunContext({ operationLog: 'log' as never })).toThrow(
      'operationLog must be a function',
    );
  });

  it('is a name the mapping reserves', () => {
    expect(() =>
      compileMapping(
        { version: 1, records: [{ fields: { a: '$record.a' } }] },
        { functions: { writeToOperationLog: { implementation: () => 1 } } },
      ),
    ).toThrow('reserves');
  });
});

describe('WriteToOperationLog in sandboxed scripts', () => {
  let sandbox: ScriptSandbox;
  beforeAll(async () => {
    sandbox = await createScriptSandbox({ timeLimitMs: 500 });
  });
  afterAll(() => sandbox.dispose());

  const document = {
    version: 1,
    scripts: {
      total: {
        language: 'javascript',
        source: [
          'WriteToOperationLog("pricing " + record.id);',
          'WriteToOperationLog({ lines: record.lines.length });',
          'const total = WriteToOperationLog(record.lines.reduce((sum, line) => sum + line.qty, 0));',
          'if (total > 100) throw new Error("too many");',
          'return total;',
        ].join('\n'),
      },
      long: { language: 'javascript', source: 'WriteToOperationLog("z".repeat(3000)); return 1;' },
    },
    records: [{ fields: { total: { script: 'total' }, viaCall: "$script('long', $record)" } }],
  };

  it('sends script messages to the run’s sink, as they are written, and returns the argument', () => {
    const scripts = sandboxedScripts(document, sandbox)!;
    try {
      const mapping = compileMapping(document, { scriptRunner: scripts.runner });
      const { messages, sink } = logged();
      const run = mapping.createRunContext({ operationLog: sink });
      const ok = mapping.apply({ id: 7, lines: [{ qty: 2 }, { qty: 3 }] }, run);
      expect(ok).toEqual({ records: [{ total: 5, viaCall: 1 }] });
      expect(messages).toEqual(['pricing 7', '{"lines":2}', '5', 'z'.repeat(1000)]);

      // Lines written before a script fails are kept: they are what explains the failure.
      messages.length = 0;
      const failed = mapping.apply({ id: 8, lines: [{ qty: 500 }] }, run);
      expect(failed).toHaveProperty('failed');
      expect(messages.slice(0, 3)).toEqual(['pricing 8', '{"lines":1}', '500']);

      // Another run without a sink: nothing reaches the first run's sink.
      messages.length = 0;
      mapping.apply({ id: 9, lines: [] }, mapping.createRunContext());
      expect(messages).toEqual([]);
    } finally {
      scripts.dispose();
    }
  });

  it('reaches a compiled script’s run options directly, for that run only', () => {
    const script = sandbox.compile('return WriteToOperationLog(record.n * 2);', {
      name: 'double',
      shape: 'body',
    });
    try {
      const { messages, sink } = logged();
      expect(script.run({ n: 4 }, {}, { operationLog: sink }).value).toBe(8);
      expect(script.run({ n: 5 }).value).toBe(10);
      expect(messages).toEqual(['8']);
    } finally {
      script.dispose();
    }
  });
});
