import { TransformError } from '../../errors.js';
import type { FieldType, InterfaceField, RecordInterface } from '../../interfaces/model.js';
import type { TextEncodingName } from '../text/decoding.js';
import { readXml } from './reader.js';

export interface InferXmlOptions {
  /** The same prefix → namespace URI map the reader will get. */
  readonly namespaces?: Readonly<Record<string, string>>;
  readonly encoding?: TextEncodingName | 'auto';
  /** Records looked at; default 1000. */
  readonly maxRecords?: number;
}

type Scalar = FieldType | 'empty';

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const DATE = /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$/;
const DATETIME =
  /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-][0-2][0-9]:[0-5][0-9])?$/;

/**
 * The type a value's text suggests. Only canonical forms count (no leading zeros or "+"), so
 * that typing a field never changes what its values say: "007" stays a string.
 */
function scalarOf(text: string): Scalar {
  if (text === '') return 'empty';
  if (INTEGER.test(text) && Number.isSafeInteger(Number(text))) return 'integer';
  if (NUMBER.test(text) && Number.isFinite(Number(text))) return 'number';
  if (text === 'true' || text === 'false') return 'boolean';
  if (DATE.test(text)) return 'date';
  if (DATETIME.test(text)) return 'datetime';
  return 'string';
}

function widen(a: Scalar | undefined, b: Scalar): Scalar {
  if (a === undefined || a === 'empty' || a === b) return b;
  if (b === 'empty') return a;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return 'string';
}

class ObjectModel {
  count = 0;
  readonly fields = new Map<string, FieldModel>();

  add(value: Record<string, unknown>): void {
    this.count++;
    for (const key of Object.keys(value)) {
      let field = this.fields.get(key);
      if (field === undefined) {
        field = new FieldModel(key);
        this.fields.set(key, field);
      }
      field.add(value[key]);
    }
  }

  build(): InterfaceField[] {
    return [...this.fields.values()].map((field) => field.build(this.count));
  }
}

class FieldModel {
  present = 0;
  repeated = false;
  scalar: Scalar | undefined;
  object: ObjectModel | undefined;

  constructor(readonly name: string) {}

  add(value: unknown): void {
    this.present++;
    if (Array.isArray(value)) {
      this.repeated = true;
      for (const item of value) this.addOne(item);
    } else {
      this.addOne(value);
    }
  }

  private addOne(value: unknown): void {
    if (typeof value === 'string') this.scalar = widen(this.scalar, scalarOf(value));
    else if (typeof value === 'object' && value !== null)
      (this.object ??= new ObjectModel()).add(value as Record<string, unknown>);
  }

  build(parentCount: number): InterfaceField {
    const base = {
      name: this.name,
      required: this.present === parentCount,
      repeated: this.repeated,
    };
    if (this.object === undefined) {
      const type: FieldType =
        this.scalar === undefined || this.scalar === 'empty' ? 'string' : this.scalar;
      return { ...base, type };
    }
    const fields = this.object.build();
    // Sometimes plain text, sometimes with attributes or children: the text becomes #text.
    if (this.scalar !== undefined) {
      const text = this.object.fields.get('#text')?.scalar;
      const type = widen(widen(undefined, this.scalar), text ?? 'empty');
      const field: InterfaceField = {
        name: '#text',
        type: type === 'empty' ? 'string' : type,
        required: false,
        repeated: false,
      };
      const at = fields.findIndex((f) => f.name === '#text');
      if (at === -1) fields.push(field);
      else fields[at] = field;
    }
    return { ...base, type: 'object', fields };
  }
}

/**
 * The interface of records readXml already produced (without an interface), inferred as
 * inferXmlInterface does: for callers that hold the records rather than the document.
 */
export function inferXmlInterfaceFromRecords(records: Iterable<unknown>): RecordInterface {
  const model = new ObjectModel();
  for (const record of records) {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new TransformError(
        'invalid_source',
        'inferXmlInterfaceFromRecords needs record objects',
      );
    }
    model.add(record as Record<string, unknown>);
  }
  return { format: 'xml', fields: model.build(), closed: false };
}

/**
 * Infers the interface of `recordElement` records from a sample document: which keys occur
 * (required when present in every record or parent), which repeat (seen as a list at least
 * once), and the narrowest type that fits every value seen (integer, number, boolean, date,
 * datetime, else string). The result is open (`closed: false`): a sample need not show every field.
 */
export async function inferXmlInterface(
  sample: string | AsyncIterable<Uint8Array | string>,
  recordElement: string,
  options?: InferXmlOptions,
): Promise<RecordInterface> {
  const maxRecords = options?.maxRecords ?? 1000;
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) {
    throw new TransformError('invalid_option', 'maxRecords must be a positive integer');
  }
  const source =
    typeof sample === 'string'
      ? (async function* (): AsyncGenerator<string> {
          yield sample;
        })()
      : sample;
  // Records are folded into the model as they come, not kept: the sample may be large.
  const model = new ObjectModel();
  let seen = 0;
  for await (const result of readXml(source, {
    recordElement,
    ...(options?.namespaces === undefined ? {} : { namespaces: options.namespaces }),
    ...(options?.encoding === undefined ? {} : { encoding: options.encoding }),
  })) {
    if (result.ok) model.add(result.record as Record<string, unknown>);
    if (++seen >= maxRecords) break;
  }
  return { format: 'xml', fields: model.build(), closed: false };
}
