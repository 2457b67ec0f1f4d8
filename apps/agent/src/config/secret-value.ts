import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret held in memory (the enrolment token, proxy password). It prints, serialises and
 * inspects as `[redacted]`, so a config object can be logged or thrown around without leaking;
 * `reveal()` is the one greppable way to read it.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** Escape hatch: only the code that sends the secret over the wire may call this. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretValue(${REDACTED})`;
  }
}
