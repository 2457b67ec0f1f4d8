import { TransformError } from '../../errors.js';
import type { InterfaceField, RecordInterface } from '../../interfaces/model.js';
import { inferCellType } from '../text/cells.js';
import { resolveLayout, type FixedWidthField, type FixedWidthLayout } from './layout.js';

/**
 * The format-neutral interface of a fixed-width layout. With record types, `recordType`
 * picks one type (its discriminator field first, then its fields); without it the result is
 * the union of all types: the discriminator (required) and every type's fields, required only
 * when required in every type.
 */
export function fixedWidthInterface(
  layout: FixedWidthLayout,
  recordType?: string,
): RecordInterface {
  const resolved = resolveLayout(layout);
  const d = resolved.discriminator;
  const toField = (f: {
    name: string;
    type: InterfaceField['type'];
    required: boolean;
  }): InterfaceField => ({
    name: f.name,
    type: f.type,
    required: f.required,
    repeated: false,
  });
  if (!d) {
    if (recordType !== undefined)
      throw new TransformError('invalid_option', 'this layout has no record types');
    return { format: 'fixed-width', closed: true, fields: resolved.layouts.get('')!.map(toField) };
  }
  const head = toField({ name: d.name, type: 'string', required: true });
  if (recordType !== undefined) {
    const fields = resolved.layouts.get(recordType);
    if (!fields)
      throw new TransformError(
        'invalid_option',
        "recordType is not one of the layout's record types",
      );
    return { format: 'fixed-width', closed: true, fields: [head, ...fields.map(toField)] };
  }
  const union = new Map<string, InterfaceField>();
  const all = [...resolved.layouts.values()];
  for (const fields of all) {
    for (const f of fields) {
      const earlier = union.get(f.name);
      const everywhere = all.every((other) => other.some((g) => g.name === f.name && g.required));
      const type = earlier && earlier.type !== f.type ? 'any' : f.type;
      union.set(f.name, toField({ name: f.name, type, required: everywhere }));
    }
  }
  return { format: 'fixed-width', closed: true, fields: [head, ...union.values()] };
}

export interface FixedWidthInference {
  /** The first line held names rather than data (then read with skipLines: 1). */
  readonly header: boolean;
  readonly layout: { readonly fields: readonly FixedWidthField[] };
}

/**
 * Best-effort guess of a single-type layout from sample lines: a column is a run of positions
 * where some line has a non-space character, and columns are cut where every line has a space
 * in the same position. Two values that touch (no space between them on any line) are taken as
 * one field, and a column that is blank in the sample is not found: check the result. The first
 * line is a header when its cells are distinct, non-empty and none reads as a number, date or
 * boolean; field names come from it, otherwise field1, field2… Every field runs from its
 * first character to the next field's start and is left-aligned (typed values are read with
 * the padding on both sides stripped, so right-aligned numbers read as well).
 */
export function inferFixedWidthLayout(sample: string | Uint8Array): FixedWidthInference {
  if (typeof sample !== 'string' && !(sample instanceof Uint8Array)) {
    throw new TransformError(
      'invalid_source',
      'inferFixedWidthLayout needs a string or a Uint8Array',
    );
  }
  // stream: true drops a character cut in half at the end of the sample instead of failing.
  const text =
    typeof sample === 'string' ? sample : new TextDecoder().decode(sample, { stream: true });
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  if (lines.length > 1 && !/[\r\n]$/.test(text)) lines.pop(); // the sample's last line may be cut
  const used = lines.filter((l) => l.trim() !== '');
  const width = Math.max(0, ...used.map((l) => l.length));
  const filled = Array.from({ length: width }, (_, p) =>
    used.some((l) => p < l.length && l[p] !== ' '),
  );
  const spans: { start: number; end: number }[] = [];
  for (let p = 0; p < width; p++) {
    if (filled[p] && (p === 0 || !filled[p - 1])) spans.push({ start: p, end: p + 1 });
    else if (filled[p]) spans[spans.length - 1]!.end = p + 1;
  }
  // Each field runs to the next one's start, so that trailing padding belongs to it.
  const cells = (line: string): string[] =>
    spans.map((s, i) => line.slice(s.start, spans[i + 1]?.start ?? width).trim());
  const first = used[0] === undefined ? [] : cells(used[0]);
  const header =
    used.length > 1 &&
    new Set(first).size === first.length &&
    first.every((c) => c !== '' && inferCellType([c]) === 'string');
  const data = (header ? used.slice(1) : used).map(cells);
  const fields = spans.map((s, i): FixedWidthField => {
    const texts = data.map((row) => row[i]!);
    const type = inferCellType(texts);
    const end = spans[i + 1]?.start ?? width;
    return {
      name: header ? first[i]! : `field${i + 1}`,
      start: s.start + 1,
      length: end - s.start,
      type,
      align: 'left',
    };
  });
  return { header, layout: { fields } };
}
