import { REDACTED, type Redactor } from '@weft/crypto';
import type { Logger } from '@weft/log-schema';
import { MAX_OPERATION_LOG_MESSAGE_LENGTH } from '@weft/transform';
import { errorSummary } from '../runs/run-loop.js';
import type { OperationLogMessage } from '../runs/work-source.js';

/** Per run, everything included (the truncation line and the agent's step lines). */
export const MAX_RUN_LOG_MESSAGES = 200;
export const MAX_RUN_LOG_BYTES = 64 * 1024;
/** Per runs/log call (the gateway's limits: 50 messages, 64 KiB with the lease). */
const MAX_BATCH_MESSAGES = 50;
const MAX_BATCH_BYTES = 60 * 1024;
/** Kept free for the truncation line and the step lines, so those always fit. */
const RESERVED_MESSAGES = 4;
const RESERVED_BYTES = 2 * 1024;
const SHORTEST_MASKED_TAIL = 4;

export type OperationLogLevel = OperationLogMessage['level'];
export type OperationLogStep = NonNullable<OperationLogMessage['step']>;

export interface RunOperationLogOptions {
  /** Sends one batch (≤ 50 lines); a failure loses that batch, logged here, never the run. */
  readonly send: (messages: readonly OperationLogMessage[]) => Promise<void>;
  /** The run's masking: the logger's patterns and every secret value of the run and the agent. */
  readonly redactor: Redactor;
  /** The plain secret values, to mask a secret a cut message ends halfway through. */
  readonly secretValues: readonly string[];
  /** Where failures to send are logged (on the agent only). */
  readonly logger: Logger;
  /** Default 2 s. */
  readonly flushIntervalMs?: number;
  readonly now?: () => Date;
}

/**
 * A run's operation log on its way out: what the mapping and its scripts write
 * (`$writeToOperationLog`, `WriteToOperationLog`) and the agent's step lines. Each line is masked
 * (secret values, secret patterns) and cut to 1,000 characters before it is kept; a run keeps at
 * most 200 lines and 64 KiB, then one "truncated" line. Lines go out in batches every ~2 s, or as
 * soon as 50 are waiting, one call at a time and in order; `close()` sends the rest.
 */
export class RunOperationLog {
  readonly #options: RunOperationLogOptions;
  readonly #pending: OperationLogMessage[] = [];
  #kept = 0;
  #bytes = 0;
  #truncated = false;
  #sending: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RunOperationLogOptions) {
    this.#options = options;
  }

  /** The sink the mapping's run context takes: each line a transformation message. */
  readonly sink = (message: string): void => this.write(message, 'info', 'transformation');

  /** Keeps a line written by the operation (a mapping, a script), within the run's allowance. */
  write(text: string, level: OperationLogLevel = 'info', step?: OperationLogStep): void {
    if (this.#closed || this.#truncated) return;
    const masked = this.#mask(text);
    const bytes = Buffer.byteLength(masked, 'utf8');
    if (
      this.#kept >= MAX_RUN_LOG_MESSAGES - RESERVED_MESSAGES ||
      this.#bytes + bytes > MAX_RUN_LOG_BYTES - RESERVED_BYTES
    ) {
      this.#truncated = true;
      this.#keep(
        `operation log truncated: a run keeps at most ${MAX_RUN_LOG_MESSAGES} lines and ${MAX_RUN_LOG_BYTES / 1024} KiB`,
        'warn',
        'operation',
      );
      return;
    }
    this.#keep(masked, level, step);
  }

  /** A line of the agent's own (the step summaries): always kept, in the reserved allowance. */
  note(text: string, level: OperationLogLevel, step: OperationLogStep): void {
    if (this.#closed || this.#kept >= MAX_RUN_LOG_MESSAGES) return;
    this.#keep(this.#mask(text), level, step);
  }

  /** Starts sending what is waiting (in order, after any call in flight). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const messages = this.#pending.splice(0);
    this.#sending = this.#sending.then(() => this.#send(messages));
  }

  /** Sends what is left and stops; resolves once every call has ended. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
    this.#closed = true;
    await this.#sending;
  }

  #keep(text: string, level: OperationLogLevel, step: OperationLogStep | undefined): void {
    this.#kept += 1;
    this.#bytes += Buffer.byteLength(text, 'utf8');
    this.#pending.push({
      at: (this.#options.now ?? (() => new Date()))().toISOString(),
      level,
      ...(step === undefined ? {} : { step }),
      text,
    });
    if (this.#pending.length >= MAX_BATCH_MESSAGES) this.flush();
    // The timer starts with the first line: a run that writes none (or fails first) holds none.
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.flush(), this.#options.flushIntervalMs ?? 2000);
      this.#timer.unref();
    }
  }

  #mask(text: string): string {
    // The cut tail first, on the text as the transform cut it; masking can change its length.
    const tailMasked = maskCutSecret(text, this.#options.secretValues);
    return cut(this.#options.redactor.redactString(tailMasked), MAX_OPERATION_LOG_MESSAGE_LENGTH);
  }

  async #send(messages: readonly OperationLogMessage[]): Promise<void> {
    for (const batch of batches(messages)) {
      try {
        await this.#options.send(batch);
      } catch (error) {
        this.#options.logger.warn('sending operation log lines failed; they stay on the agent', {
          lines: batch.length,
          error: errorSummary(error),
        });
      }
    }
  }
}

/** Batches of at most 50 lines and 60 KiB of JSON, so each call fits the gateway's 64 KiB. */
function batches(messages: readonly OperationLogMessage[]): OperationLogMessage[][] {
  const result: OperationLogMessage[][] = [];
  let current: OperationLogMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(JSON.stringify(message), 'utf8') + 1;
    if (
      current.length >= MAX_BATCH_MESSAGES ||
      (current.length > 0 && bytes + size > MAX_BATCH_BYTES)
    ) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/**
 * A message the transform cut to 1,000 characters may end with the first part of a secret, which
 * masking whole values cannot see: such a tail (4 characters or more) is masked too.
 */
export function maskCutSecret(text: string, secretValues: readonly string[]): string {
  if (text.length < MAX_OPERATION_LOG_MESSAGE_LENGTH) return text;
  let longest = 0;
  for (const secret of secretValues) {
    for (
      let length = Math.min(secret.length - 1, text.length);
      length >= SHORTEST_MASKED_TAIL;
      length -= 1
    ) {
      if (length <= longest) break;
      if (text.endsWith(secret.slice(0, length))) {
        longest = length;
        break;
      }
    }
  }
  if (longest === 0) return text;
  // The marker is longer than a short tail: make room so the line stays within its length.
  const kept = Math.min(text.length - longest, MAX_OPERATION_LOG_MESSAGE_LENGTH - REDACTED.length);
  return text.slice(0, kept) + REDACTED;
}

/** `text` cut to `max` UTF-16 units, never between the halves of a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
