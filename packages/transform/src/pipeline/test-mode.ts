// Test mode for the design services: transform a small sample in memory and return everything
// (output, failed records, errors). Nothing is stored; the sample is refused over 100 KB.
import { TransformError } from '../errors.js';
import { compileMapping } from '../mapping/compile.js';
import { parseMappingDocument } from '../mapping/document.js';
import { MappingError } from '../mapping/errors.js';
import type { CompiledMapping, CompileMappingOptions, LookupTable } from '../mapping/types.js';
import { ExpressionError } from '../expression/contract.js';
import { getFormat, type FormatName, type FormatOptions } from './formats.js';
import { runTransform, type FailedRecord, type TransformCounts } from './run.js';

export const TEST_MODE_MAX_INPUT_BYTES = 102_400;
export const TEST_MODE_MAX_OUTPUT_BYTES = 1_048_576;
/** Test mode keeps at most this many failed records, each with at most TEST_MODE_MAX_REASONS reasons. */
export const TEST_MODE_MAX_FAILED = 100;
export const TEST_MODE_MAX_REASONS = 20;
/** Default wall-clock budget of one test-mode run, in ms (`timeBudgetMs`). */
export const TEST_MODE_TIME_BUDGET_MS = 10_000;

export interface TestTransformOptions {
  /** The sample: text, or bytes in the format's encoding. At most 102,400 bytes. */
  readonly input: string | Uint8Array;
  readonly format: FormatName;
  /** Output format (default 'ndjson'). */
  readonly outputFormat?: FormatName;
  /** A compiled mapping, a parsed document, or document text (YAML or JSON). */
  readonly mapping: CompiledMapping | string | Readonly<Record<string, unknown>>;
  /** Used when `mapping` is a document. */
  readonly compileOptions?: CompileMappingOptions;
  readonly lookups?: Readonly<Record<string, LookupTable>>;
  readonly readOptions?: FormatOptions;
  readonly writeOptions?: FormatOptions;
  /** Largest output kept, in bytes of UTF-8 (default 1 MiB); a larger output is an error. */
  readonly maxOutputBytes?: number;
  /**
   * Wall-clock budget of the whole run in ms (default 10 s, at most 60 s). When it is used up the
   * run stops before the next record; `errors` says so and the output so far is kept.
   */
  readonly timeBudgetMs?: number;
}

export interface TestTransformResult {
  /** The output text as far as it was written. */
  readonly output: string;
  /** The first TEST_MODE_MAX_FAILED failed records, each with its first TEST_MODE_MAX_REASONS reasons. */
  readonly failed: readonly FailedRecord[];
  /** True when failed records or reasons were dropped to keep the result small; `counts` stays exact. */
  readonly truncated: boolean;
  /** Whole-run errors: the mapping does not compile, the input cannot be read on, … one line each. */
  readonly errors: readonly string[];
  readonly counts: TransformCounts;
}

function isCompiled(value: unknown): value is CompiledMapping {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CompiledMapping).apply === 'function'
  );
}

function describe(error: unknown): string[] {
  if (MappingError.is(error) && error.code === 'invalid_mapping' && error.problems.length > 0)
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  if (TransformError.is(error) || MappingError.is(error) || ExpressionError.is(error))
    return [error.message];
  throw error;
}

async function* once(input: string | Uint8Array): AsyncGenerator<string | Uint8Array> {
  yield input;
}

/** How long test mode may compute before it lets the event loop run (other requests, timers). */
const SLICE_MS = 10;

/**
 * The records, with a macrotask break whenever SLICE_MS passed since the last one: test mode runs
 * inside a server (the design service), where a sample that takes seconds must not stall every
 * other request for that long — only for one record at a time.
 */
async function* breathing<T>(records: AsyncIterable<T>): AsyncGenerator<T> {
  let last = Date.now();
  for await (const record of records) {
    if (Date.now() - last > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      last = Date.now();
    }
    yield record;
  }
}

/**
 * Transforms a sample. Throws TransformError `limit_exceeded` for input over 102,400 bytes and
 * `invalid_option` for bad options; every other problem is returned in `errors`.
 */
export async function testTransform(options: TestTransformOptions): Promise<TestTransformResult> {
  const { input } = options;
  if (typeof input !== 'string' && !(input instanceof Uint8Array))
    throw new TransformError('invalid_option', 'input must be a string or a Uint8Array');
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > TEST_MODE_MAX_INPUT_BYTES)
    throw new TransformError(
      'limit_exceeded',
      `sample is ${size} bytes; test mode accepts at most ${TEST_MODE_MAX_INPUT_BYTES}`,
    );
  const reader = getFormat(options.format);
  const writer = getFormat(options.outputFormat ?? 'ndjson');
  const maxOutput = options.maxOutputBytes ?? TEST_MODE_MAX_OUTPUT_BYTES;
  if (!Number.isSafeInteger(maxOutput) || maxOutput < 1)
    throw new TransformError('invalid_option', 'maxOutputBytes must be a positive integer');
  const budget = options.timeBudgetMs ?? TEST_MODE_TIME_BUDGET_MS;
  if (!Number.isSafeInteger(budget) || budget < 1 || budget > 60_000)
    throw new TransformError('invalid_option', 'timeBudgetMs must be an integer from 1 to 60000');
  // Each expression and script call has its own time limit, but a sample of many records each
  // just under it could keep a design service busy for minutes: the run as a whole has one too.
  const deadline = Date.now() + budget;
  const stop = new AbortController();
  const overBudget = (): void => {
    if (!stop.signal.aborted && Date.now() > deadline)
      stop.abort(
        new TransformError(
          'limit_exceeded',
          `test mode stopped after its time budget of ${budget} ms; the output so far is kept`,
        ),
      );
  };
  // The timer covers waits; the per-record check covers synchronous work, which starves timers.
  const timer = setTimeout(overBudget, budget + 1);

  const failed: FailedRecord[] = [];
  let truncated = false;
  // Keeping every failure let a small sample with a looping mapping grow the heap without bound.
  const keepFailed = (record: FailedRecord): void => {
    if (failed.length >= TEST_MODE_MAX_FAILED) {
      truncated = true;
      return;
    }
    if (record.reasons.length > TEST_MODE_MAX_REASONS) {
      truncated = true;
      failed.push({ ...record, reasons: record.reasons.slice(0, TEST_MODE_MAX_REASONS) });
    } else failed.push(record);
  };
  const counts: TransformCounts = { read: 0, written: 0, failed: 0, skipped: 0 };
  const parts: string[] = [];
  let outputBytes = 0;
  try {
    const source = options.mapping;
    const mapping = isCompiled(source)
      ? source
      : compileMapping(
          typeof source === 'string' ? parseMappingDocument(source) : source,
          options.compileOptions,
        );
    const decoder = new TextDecoder();
    const result = await runTransform({
      reader: breathing(reader.read(once(input), options.readOptions)),
      mapping,
      run: mapping.createRunContext({ lookups: options.lookups }),
      failedWriter: keepFailed,
      onProgress: (latest) => {
        Object.assign(counts, latest);
        overBudget();
      },
      progressEvery: 1,
      signal: stop.signal,
      maxRecordDepth: writer.maxRecordDepth,
      writer: async (records) => {
        for await (const chunk of writer.write(records, options.writeOptions)) {
          const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
          outputBytes += Buffer.byteLength(text, 'utf8');
          if (outputBytes > maxOutput)
            throw new TransformError(
              'limit_exceeded',
              `output is over ${maxOutput} bytes; test mode keeps at most that`,
            );
          parts.push(text);
        }
        parts.push(decoder.decode());
      },
    });
    return { output: parts.join(''), failed, truncated, errors: [], counts: result };
  } catch (error) {
    return { output: parts.join(''), failed, truncated, errors: describe(error), counts };
  } finally {
    clearTimeout(timer);
  }
}
