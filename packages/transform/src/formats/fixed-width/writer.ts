import { TransformError } from '../../errors.js';
import { requireRecords } from '../text/source.js';
import {
  resolveLayout,
  type FixedWidthLayout,
  type ResolvedField,
  type ResolvedLayout,
} from './layout.js';

export interface FixedWidthWriteOptions {
  /** Default 'lf'. */
  readonly lineEnding?: 'lf' | 'crlf' | 'cr';
  /** Cut a value longer than its field instead of refusing it. Default false. */
  readonly truncate?: boolean;
}

const LINE_ENDINGS = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;

/**
 * Writes records as fixed-width lines, each value padded to its field (left-aligned values
 * padded on the right and the other way round), gaps between fields filled with padding. A
 * value longer than its field, a nested object or array, or a record whose record type is
 * not in the layout throws `not_representable` naming the record (from 1) and field — unless
 * `truncate: true`, which cuts long values to their field's width.
 */
export function writeFixedWidth(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  layout: FixedWidthLayout,
  options?: FixedWidthWriteOptions,
): AsyncIterable<string> {
  const resolved = resolveLayout(layout);
  const lineEnding = options?.lineEnding ?? 'lf';
  if (!Object.hasOwn(LINE_ENDINGS, lineEnding)) {
    throw new TransformError('invalid_option', "lineEnding must be 'lf', 'crlf' or 'cr'");
  }
  const truncate = options?.truncate ?? false;
  if (typeof truncate !== 'boolean')
    throw new TransformError('invalid_option', 'truncate must be a boolean');
  requireRecords(records, 'writeFixedWidth');
  return writeLines(records, resolved, LINE_ENDINGS[lineEnding], truncate);
}

async function* writeLines(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  layout: ResolvedLayout,
  newline: string,
  truncate: boolean,
): AsyncGenerator<string> {
  let number = 0;
  for await (const value of records) {
    number++;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TransformError('not_representable', `record ${number}: is not an object`);
    }
    const record = value as Record<string, unknown>;
    const d = layout.discriminator;
    let fields: readonly ResolvedField[];
    const spans: { start: number; end: number; text: string }[] = [];
    if (d) {
      const code = Object.hasOwn(record, d.name) ? record[d.name] : undefined;
      const found = typeof code === 'string' ? layout.layouts.get(code) : undefined;
      if (found === undefined) {
        throw new TransformError(
          'not_representable',
          `record ${number}: field ${JSON.stringify(d.name)} is not one of the layout's record types`,
        );
      }
      fields = found;
      spans.push({
        start: d.start,
        end: d.end,
        text: (code as string).padEnd(d.end - d.start, layout.pad),
      });
    } else {
      fields = layout.layouts.get('')!;
    }
    for (const field of fields) {
      const text = cellText(
        Object.hasOwn(record, field.name) ? record[field.name] : undefined,
        number,
        field.name,
      );
      const width = field.end - field.start;
      if (text.length > width && !truncate) {
        throw new TransformError(
          'not_representable',
          `record ${number}: field ${JSON.stringify(field.name)} is longer than its ${width} characters`,
        );
      }
      const fitted = text.length > width ? text.slice(0, width) : text;
      spans.push({
        start: field.start,
        end: field.end,
        text: field.right ? fitted.padStart(width, layout.pad) : fitted.padEnd(width, layout.pad),
      });
    }
    spans.sort((a, b) => a.start - b.start);
    let line = '';
    for (const span of spans) line = line.padEnd(span.start, layout.pad) + span.text;
    yield line + newline;
  }
}

function cellText(value: unknown, record: number, field: string): string {
  switch (typeof value) {
    case 'string':
      if (/[\r\n]/.test(value)) throw notRepresentable(record, field, 'a line break');
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    case 'object':
      if (value === null) return '';
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
      throw notRepresentable(record, field, Array.isArray(value) ? 'an array' : 'an object');
    default:
      throw notRepresentable(record, field, `a ${typeof value}`);
  }
}

function notRepresentable(record: number, field: string, what: string): TransformError {
  return new TransformError(
    'not_representable',
    `record ${record}: field ${JSON.stringify(field)} holds ${what}, which a fixed-width field cannot`,
  );
}
