import { TransformError } from '../../errors.js';
import { writeNdjson } from '../../ndjson-writer.js';
import { requireRecords } from '../text/source.js';

export interface JsonArrayWriteOptions {
  /** One element per line, indented by two spaces, instead of one line. Default false. */
  readonly pretty?: boolean;
}

/**
 * Writes records as one JSON array, streamed element by element ("[", then each element,
 * then "]"), so memory does not grow with the number of records. Values JSON cannot represent
 * faithfully throw `not_json_serializable` naming the record, as writeNdjson does (it does
 * the serializing). `pretty` puts each element on its own line, indented.
 */
export function writeJsonArray(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  options?: JsonArrayWriteOptions,
): AsyncIterable<string> {
  const pretty = options?.pretty ?? false;
  if (typeof pretty !== 'boolean')
    throw new TransformError('invalid_option', 'pretty must be a boolean');
  requireRecords(records, 'writeJsonArray');
  return writeArray(records, pretty);
}

async function* writeArray(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  pretty: boolean,
): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const line of writeNdjson(records)) {
    const json = line.slice(0, -1);
    const element = pretty
      ? `\n  ${JSON.stringify(JSON.parse(json), null, 2).replaceAll('\n', '\n  ')}`
      : json;
    yield first ? element : `,${element}`;
    first = false;
  }
  yield pretty && !first ? '\n]\n' : ']\n';
}
