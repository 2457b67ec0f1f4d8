// The operation log: short messages a mapping or script writes for the people running it
// (`$writeToOperationLog`, `WriteToOperationLog`). The run decides where they go; without a sink
// they go nowhere, at no cost.
import { castString } from '../expression/functions/strings.js';

/** Longest message kept, in UTF-16 code units (a longer one is cut, never split inside a character). */
export const MAX_OPERATION_LOG_MESSAGE_LENGTH = 1000;

/** Receives each operation log message of a run, already a string and cut to length. */
export type OperationLogSink = (message: string) => void;

/** `text` cut to `max` code units, without leaving half of a surrogate pair at the end. */
export function cutMessage(text: string, max = MAX_OPERATION_LOG_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * The message for a value a mapping logs: strings as they are, anything else as JSON (the
 * `$string` rendering), cut to length. Undefined for no value (JSONata's empty sequence).
 */
export function operationLogMessage(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = castString(value) ?? '';
  } catch {
    text = String(value); // NaN / Infinity: $string refuses them, a log line need not
  }
  return cutMessage(text);
}

/** Hands a message to the sink; a failing sink never fails the record. */
export function writeOperationLog(sink: OperationLogSink | undefined, message: string): void {
  if (sink === undefined) return;
  try {
    sink(message);
  } catch {
    // The operation log is for people; losing one line must not lose a record.
  }
}
