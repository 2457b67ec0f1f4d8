// weft-transform: runs a mapping over files. Exit codes: 0 all records written, 1 some records
// failed or the run failed, 2 bad usage (one error line, or the mapping's problems).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TransformError } from '../errors.js';
import { ExpressionError } from '../expression/contract.js';
import { compileMapping } from '../mapping/compile.js';
import { parseMappingDocument } from '../mapping/document.js';
import { MappingError } from '../mapping/errors.js';
import { sandboxedScripts } from '../mapping/sandboxed-scripts.js';
import type { CompiledMapping, LookupTable } from '../mapping/types.js';
import { createScriptSandbox, ScriptError } from '../scripts/index.js';
import { writeNdjson } from '../ndjson-writer.js';
import { getFormat, type FormatName, type FormatOptions } from '../pipeline/formats.js';
import { runTransform, type FailedRecord, type TransformCounts } from '../pipeline/run.js';
import { parseCliArgs, UsageError, USAGE, type CliPlan } from './args.js';
import { capped, checkOutputs, pendingFile, readCapped, type PendingFile } from './files.js';
import { countBytes, ProgressBar, type ProgressOutput } from './progress.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressOutput;
  readonly cwd: string;
  readonly now?: () => number;
  /** Stops the run (bin.ts aborts it on Ctrl-C); the exit code is then 130. */
  readonly signal?: AbortSignal;
}

export const MAX_MAPPING_BYTES = 1_048_576;
export const MAX_LOOKUP_ROWS = 1_000_000;
/** Largest lookup file read, in bytes (256 MiB). */
export const MAX_LOOKUP_BYTES = 268_435_456;
const SHOWN_FAILURES = 10;

async function loadLookup(name: string, file: string, format: FormatName): Promise<LookupTable> {
  const table = new Map<string, unknown>();
  const chunks = capped(fileChunks(file), MAX_LOOKUP_BYTES, `--lookup ${name}: file`);
  for await (const result of getFormat(format).read(chunks)) {
    if (!result.ok) throw new UsageError(`--lookup ${name}: ${result.reason}`);
    const row = result.record;
    const key = typeof row === 'object' && row !== null ? Object.values(row)[0] : undefined;
    if (typeof key !== 'string' && typeof key !== 'number')
      throw new UsageError(
        `--lookup ${name}: line ${result.line}: the first field (the key) must be a string or a number`,
      );
    if (table.size >= MAX_LOOKUP_ROWS)
      throw new UsageError(`--lookup ${name}: more than ${MAX_LOOKUP_ROWS} rows`);
    table.set(String(key), row);
  }
  return table;
}

function failureLine(failed: FailedRecord): string {
  const reasons = failed.reasons.map((reason) =>
    reason.rule === 'read'
      ? reason.message
      : `${reason.path || 'record'}: ${reason.rule}: ${reason.message}`,
  );
  return `line ${failed.line}: ${reasons.join('; ')}`;
}

function summary(counts: TransformCounts, bytes: number, seconds: number): string {
  const rate = seconds > 0 ? (bytes / 1_048_576 / seconds).toFixed(1) : '-';
  return `read ${counts.read}, written ${counts.written}, failed ${counts.failed}, skipped ${counts.skipped} in ${seconds.toFixed(2)} s (${rate} MB/s)\n`;
}

/** A failed-records file fed one entry at a time, honouring the file's backpressure. */
function failedFile(stream: Writable): {
  push(record: FailedRecord): Promise<void>;
  close(): Promise<void>;
} {
  // an error is kept and raised by the next push or by close, never left unhandled
  let failure: unknown;
  stream.on('error', (error) => (failure ??= error));
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async push(record) {
      check();
      // one NDJSON line per failed record, as the pipeline's own writer would write it
      for await (const line of writeNdjson([record]))
        if (!stream.write(line))
          await new Promise<void>((resolve) => {
            const done = (): void => {
              stream.off('drain', done);
              stream.off('error', done);
              resolve();
            };
            stream.on('drain', done);
            stream.on('error', done);
          });
      check();
    },
    async close() {
      check();
      await new Promise<void>((resolve) => stream.end(resolve));
      check();
    },
  };
}

async function optionsFile(
  path: string | undefined,
  option: string,
): Promise<FormatOptions | undefined> {
  if (path === undefined) return undefined;
  const text = await readCapped(path, MAX_MAPPING_BYTES, `${option}: file`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${option}: ${path} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${option}: ${path} must hold a JSON object`);
  return value as FormatOptions;
}

/** The input's chunks; the file is opened only when the reader first pulls. */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path) as AsyncIterable<Uint8Array>;
}

async function transform(plan: CliPlan, io: CliIo): Promise<number> {
  await checkOutputs(
    [
      { option: '--out', path: plan.output },
      ...(plan.failed === undefined ? [] : [{ option: '--failed', path: plan.failed }]),
    ],
    [
      { option: '--in', path: plan.input },
      { option: '--mapping', path: plan.mapping },
      ...plan.lookups.map((lookup) => ({ option: `--lookup ${lookup.name}`, path: lookup.file })),
      ...(plan.inputOptionsFile === undefined
        ? []
        : [{ option: '--in-options', path: plan.inputOptionsFile }]),
      ...(plan.outputOptionsFile === undefined
        ? []
        : [{ option: '--out-options', path: plan.outputOptionsFile }]),
    ],
  );
  const mappingText = await readCapped(plan.mapping, MAX_MAPPING_BYTES, 'mapping file');
  const lookups: Record<string, LookupTable> = {};
  for (const lookup of plan.lookups)
    lookups[lookup.name] = await loadLookup(lookup.name, lookup.file, lookup.format);
  const document = parseMappingDocument(mappingText);
  // Scripts run in a WebAssembly sandbox, created only when the mapping has scripts.
  const sandbox = hasScripts(document) ? await createScriptSandbox() : undefined;
  const scripts = sandbox && sandboxedScripts(document, sandbox);
  try {
    const mapping = compileMapping(document, {
      lookups: Object.keys(lookups),
      ...(scripts !== undefined ? { scriptRunner: scripts.runner } : {}),
    });
    return await transformWith(plan, io, mapping, lookups);
  } finally {
    scripts?.dispose();
    sandbox?.dispose();
  }
}

function hasScripts(document: unknown): boolean {
  const scripts = (document as { scripts?: unknown } | null)?.scripts;
  return typeof scripts === 'object' && scripts !== null && Object.keys(scripts).length > 0;
}

async function transformWith(
  plan: CliPlan,
  io: CliIo,
  mapping: CompiledMapping,
  lookups: Record<string, LookupTable>,
): Promise<number> {
  const now = io.now ?? Date.now;
  const reader = getFormat(plan.inputFormat);
  const readOptions = await optionsFile(plan.inputOptionsFile, '--in-options');
  const writeOptions = await optionsFile(plan.outputOptionsFile, '--out-options');
  const writer = getFormat(plan.outputFormat);
  const total = (await stat(plan.input)).size;
  const bar = ProgressBar.enabled(io.stderr, total, plan.quiet)
    ? new ProgressBar(io.stderr, total, now)
    : undefined;
  let bytes = 0;
  const started = now();
  // Outputs go to temp files beside their paths, renamed there only when the run succeeds.
  const failedPending = plan.failed ? await pendingFile(plan.failed) : undefined;
  const failedOut = failedPending && failedFile(failedPending.stream);
  let outPending: PendingFile | undefined;
  const shown: string[] = [];
  let counts: TransformCounts;
  let succeeded = false;
  try {
    counts = await runTransform({
      reader: reader.read(
        countBytes(fileChunks(plan.input), (seen) => {
          bytes = seen;
          bar?.update(seen);
        }),
        readOptions,
      ),
      mapping,
      run: mapping.createRunContext({ lookups }),
      signal: io.signal,
      maxRecordDepth: writer.maxRecordDepth,
      writer: async (records) => {
        // the writer checks its options before the output file is created
        const text = writer.write(records, writeOptions);
        outPending = await pendingFile(plan.output);
        await pipeline(Readable.from(text), outPending.stream);
      },
      failedWriter: async (failed) => {
        if (shown.length < SHOWN_FAILURES) shown.push(failureLine(failed));
        await failedOut?.push(failed);
      },
    });
    await failedOut?.close();
    await failedPending?.commit();
    await outPending?.commit();
    succeeded = true;
  } finally {
    bar?.clear();
    if (!succeeded) {
      await failedPending?.discard();
      await outPending?.discard();
    }
  }
  for (const line of shown) io.stderr.write(`${line}\n`);
  if (counts.failed > shown.length)
    io.stderr.write(`… and ${counts.failed - shown.length} more failed records\n`);
  if (!plan.quiet || counts.failed > 0)
    io.stderr.write(summary(counts, bytes, (now() - started) / 1000));
  return counts.failed > 0 ? 1 : 0;
}

/** Runs the command with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let plan: CliPlan | 'help';
  try {
    plan = parseCliArgs(argv, io.cwd);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`weft-transform: ${error.message}\n${USAGE.split('\n')[0]}\n`);
      return 2;
    }
    throw error;
  }
  if (plan === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return await transform(plan, io);
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (io.signal?.aborted && error === io.signal.reason) {
    io.stderr.write('weft-transform: stopped\n');
    return 130;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`weft-transform: ${error.message}\n`);
    return 2;
  }
  if (MappingError.is(error) && error.code === 'invalid_mapping') {
    io.stderr.write(`weft-transform: ${error.message}\n`);
    return 2;
  }
  if (TransformError.is(error) && error.code === 'invalid_option') {
    io.stderr.write(`weft-transform: ${error.message}\n`);
    return 2;
  }
  // A script of the mapping that does not compile is a mistake in the mapping.
  if (ScriptError.is(error) && error.code === 'script_syntax') {
    io.stderr.write(`weft-transform: ${error.message}\n`);
    return 2;
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    const path = (error as { path?: unknown }).path;
    io.stderr.write(`weft-transform: cannot open ${String(path)} (${code})\n`);
    return 2;
  }
  if (
    TransformError.is(error) ||
    MappingError.is(error) ||
    ExpressionError.is(error) ||
    ScriptError.is(error)
  ) {
    io.stderr.write(`weft-transform: run failed: ${error.message}\n`);
    return 1;
  }
  throw error;
}
