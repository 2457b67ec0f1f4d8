import {
  FORMAT_NAMES,
  TEST_MODE_MAX_INPUT_BYTES,
  TransformError,
  isFormatName,
  jsonSchemaInterface,
  parseXsd,
  testTransform,
  xmlInterface,
  type FormatName,
  type RecordInterface,
  type TestTransformResult,
} from '@weft/transform';
import { bodyFields } from './project-body.js';
import { ProjectsError } from './projects-error.js';

const INTERFACE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const MAX_INTERFACES = 20;

export interface TransformationTestRequest {
  mapping: Record<string, unknown>;
  interfaces: Record<string, RecordInterface>;
  input: string;
  format: FormatName;
  outputFormat?: FormatName;
}

/**
 * Reads a test-transformation request. This is the one place Weft evaluates expressions that
 * arrived in a request: an explicit, authenticated design call (Write on the environment) over
 * a sample of at most 100 KB, in the transform engine's sandbox with its time budget, and
 * nothing is stored.
 */
export function parseTransformationTest(body: unknown): TransformationTestRequest {
  const fields = bodyFields(body, ['mapping', 'interfaces', 'input', 'format', 'outputFormat']);
  const fail = (message: string, field: string): never => {
    throw new ProjectsError('VALIDATION_FAILED', message, undefined, field);
  };
  const { mapping, input, format, outputFormat } = fields;
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    fail('mapping must be a mapping document (an object)', 'mapping');
  }
  if (typeof input !== 'string') fail('input must be the sample data as a string', 'input');
  const size = Buffer.byteLength(input as string);
  if (size > TEST_MODE_MAX_INPUT_BYTES) {
    fail(`input is ${size} bytes; the limit is ${TEST_MODE_MAX_INPUT_BYTES} (100 KB)`, 'input');
  }
  const formats = FORMAT_NAMES.join(', ');
  if (!isFormatName(format)) fail(`format must be one of ${formats}`, 'format');
  if (outputFormat !== undefined && !isFormatName(outputFormat)) {
    fail(`outputFormat must be one of ${formats}`, 'outputFormat');
  }
  return {
    mapping: mapping as Record<string, unknown>,
    interfaces: interfacesOf(fields['interfaces']),
    input: input as string,
    format: format as FormatName,
    ...(outputFormat === undefined ? {} : { outputFormat: outputFormat as FormatName }),
  };
}

function interfacesOf(value: unknown): Record<string, RecordInterface> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProjectsError(
      'VALIDATION_FAILED',
      'interfaces must be an object of name → interface',
    );
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_INTERFACES) {
    throw invalid('interfaces', `at most ${MAX_INTERFACES}`);
  }
  const built: Record<string, RecordInterface> = {};
  for (const [name, definition] of entries) {
    const at = `interfaces.${name.slice(0, 63)}`;
    if (!INTERFACE_NAME.test(name)) {
      throw new ProjectsError('VALIDATION_FAILED', `${at}: names are lower-case words with dashes`);
    }
    const { format, schema, element } = bodyFieldsAt(definition, at);
    try {
      if (format === 'json-schema') {
        if (typeof schema !== 'object' || schema === null)
          throw invalid(at, 'schema must be an object');
        built[name] = jsonSchemaInterface(schema);
      } else if (format === 'xsd') {
        if (typeof schema !== 'string') throw invalid(at, 'schema must be the XSD text');
        if (typeof element !== 'string') throw invalid(at, 'element must name the record element');
        built[name] = xmlInterface(parseXsd(schema), element);
      } else {
        throw invalid(at, 'format must be json-schema or xsd');
      }
    } catch (error) {
      if (TransformError.is(error)) throw invalid(at, error.message);
      throw error;
    }
  }
  return built;
}

function bodyFieldsAt(value: unknown, at: string): Record<string, unknown> {
  try {
    return bodyFields(value, ['format', 'schema', 'element']);
  } catch (error) {
    if (ProjectsError.is(error)) throw invalid(at, error.message);
    throw error;
  }
}

function invalid(at: string, message: string): ProjectsError {
  return new ProjectsError('VALIDATION_FAILED', `${at}: ${message}`, undefined, 'interfaces');
}

/** Test runs one control plane process works on at once; more are refused (429), not queued. */
export const MAX_CONCURRENT_TESTS = 2;
/** Each expression of a design-time test gets this long (runs get the engine's default, 1 s). */
const TEST_EXPRESSION_LIMIT_MS = 250;
let running = 0;

/**
 * Runs the mapping over the sample in memory and returns everything; nothing is kept. The
 * engine lets the event loop run between records, so a slow sample costs other requests at most
 * one record's work at a time; at most MAX_CONCURRENT_TESTS run at once per process.
 */
export async function runTransformationTest(
  request: TransformationTestRequest,
): Promise<TestTransformResult> {
  if (running >= MAX_CONCURRENT_TESTS) {
    throw new ProjectsError(
      'TOO_MANY_TESTS',
      `${MAX_CONCURRENT_TESTS} transformation tests are running on this server; try again in a few seconds`,
    );
  }
  running += 1;
  try {
    return await testTransform({
      input: request.input,
      format: request.format,
      ...(request.outputFormat === undefined ? {} : { outputFormat: request.outputFormat }),
      mapping: request.mapping,
      compileOptions: { interfaces: request.interfaces, timeLimitMs: TEST_EXPRESSION_LIMIT_MS },
    });
  } catch (error) {
    if (TransformError.is(error)) {
      throw new ProjectsError('VALIDATION_FAILED', error.message, undefined, 'mapping');
    }
    throw error;
  } finally {
    running -= 1;
  }
}
