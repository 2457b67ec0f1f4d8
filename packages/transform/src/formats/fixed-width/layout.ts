import { TransformError } from '../../errors.js';
import { requireCellType, type CellType } from '../text/cells.js';

/** One field of a line: where it sits, how it is padded, what it holds. */
export interface FixedWidthField {
  readonly name: string;
  /** 1-based position of the first character. Default: right after the previous field (or 1). */
  readonly start?: number;
  /** Width in characters. */
  readonly length: number;
  /** Default 'string'. */
  readonly type?: CellType;
  /** Where the value sits in the field. Default 'right' for number and integer, else 'left'. */
  readonly align?: 'left' | 'right';
  /** An empty field fails the record. Default false. */
  readonly required?: boolean;
}

/** Lines of several kinds in one file: the text at the discriminator's position says which. */
export interface FixedWidthRecordTypes {
  readonly discriminator: {
    readonly name: string;
    readonly start: number;
    readonly length: number;
  };
  /** The fields of each kind, keyed by the discriminator's value (padding stripped). */
  readonly types: Readonly<Record<string, readonly FixedWidthField[]>>;
}

/** Either `fields` (every line alike) or `recordTypes`. */
export interface FixedWidthLayout {
  readonly fields?: readonly FixedWidthField[];
  readonly recordTypes?: FixedWidthRecordTypes;
  /** The padding character. Default ' '. */
  readonly pad?: string;
}

export interface ResolvedField {
  readonly name: string;
  /** 0-based. */
  readonly start: number;
  readonly end: number;
  readonly type: CellType;
  readonly right: boolean;
  readonly required: boolean;
}

export interface ResolvedLayout {
  readonly pad: string;
  /** Key '' when there is one layout. */
  readonly layouts: ReadonlyMap<string, readonly ResolvedField[]>;
  readonly discriminator:
    { readonly name: string; readonly start: number; readonly end: number } | undefined;
  /** The widest line any layout describes. */
  readonly width: number;
  /** The line width of each record type (the discriminator included). */
  readonly typeWidths: ReadonlyMap<string, number>;
}

function fail(message: string): never {
  throw new TransformError('invalid_option', message);
}

function position(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(`${name} must be a positive integer`);
  }
  return value;
}

function resolveFields(
  fields: unknown,
  where: string,
  reserved: { start: number; end: number; name: string } | undefined,
): ResolvedField[] {
  if (!Array.isArray(fields) || fields.length === 0) fail(`${where} must be a non-empty array`);
  const resolved: ResolvedField[] = [];
  const names = new Set<string>(reserved ? [reserved.name] : []);
  let next = 0;
  fields.forEach((entry: Partial<FixedWidthField> | null, index) => {
    const at = `${where}[${index}]`;
    if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string') {
      fail(`${at} must be { name, length, start?, type?, align?, required? }`);
    }
    if (names.has(entry.name)) fail(`${at}: duplicate field name`);
    names.add(entry.name);
    const start = entry.start === undefined ? next : position(entry.start, `${at}.start`) - 1;
    const end = start + position(entry.length, `${at}.length`);
    const type = requireCellType(entry.type, at);
    if (entry.align !== undefined && entry.align !== 'left' && entry.align !== 'right') {
      fail(`${at}.align must be 'left' or 'right'`);
    }
    const spans = [...resolved, ...(reserved ? [reserved] : [])];
    if (spans.some((other) => start < other.end && other.start < end))
      fail(`${at} overlaps another field`);
    if (entry.required !== undefined && typeof entry.required !== 'boolean') {
      fail(`${at}.required must be a boolean`);
    }
    resolved.push({
      name: entry.name,
      start,
      end,
      type,
      right:
        (entry.align ?? (type === 'number' || type === 'integer' ? 'right' : 'left')) === 'right',
      required: entry.required ?? false,
    });
    next = end;
  });
  return resolved;
}

export function resolveLayout(layout: FixedWidthLayout | undefined): ResolvedLayout {
  if (typeof layout !== 'object' || layout === null) fail('a fixed-width layout is an object');
  const pad = layout.pad ?? ' ';
  if (typeof pad !== 'string' || pad.length !== 1 || pad === '\n' || pad === '\r') {
    fail('pad must be a single character other than a line break');
  }
  if ((layout.fields === undefined) === (layout.recordTypes === undefined)) {
    fail('a fixed-width layout has either fields or recordTypes');
  }
  const layouts = new Map<string, ResolvedField[]>();
  let discriminator: ResolvedLayout['discriminator'];
  if (layout.fields !== undefined) {
    layouts.set('', resolveFields(layout.fields, 'fields', undefined));
  } else {
    const { discriminator: d, types } = layout.recordTypes as FixedWidthRecordTypes;
    if (typeof d !== 'object' || d === null || typeof d.name !== 'string') {
      fail('recordTypes.discriminator must be { name, start, length }');
    }
    const start = position(d.start, 'recordTypes.discriminator.start') - 1;
    discriminator = {
      name: d.name,
      start,
      end: start + position(d.length, 'recordTypes.discriminator.length'),
    };
    if (typeof types !== 'object' || types === null || Object.keys(types).length === 0) {
      fail('recordTypes.types must name at least one record type');
    }
    for (const [code, fields] of Object.entries(types)) {
      if (code === '' || code.length > discriminator.end - discriminator.start) {
        fail(
          `recordTypes.types: a type code must be 1 to ${discriminator.end - discriminator.start} characters`,
        );
      }
      layouts.set(
        code,
        resolveFields(fields, `recordTypes.types[${JSON.stringify(code)}]`, discriminator),
      );
    }
  }
  const typeWidths = new Map<string, number>();
  for (const [code, fields] of layouts) {
    typeWidths.set(code, Math.max(discriminator?.end ?? 0, ...fields.map((f) => f.end)));
  }
  const width = Math.max(...typeWidths.values());
  return { pad, layouts, discriminator, width, typeWidths };
}
