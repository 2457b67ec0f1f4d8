import type { CliIo } from '../io.js';

/**
 * Where a command's words go. Human mode: results and progress on stdout. `--json` mode: stdout
 * carries exactly one JSON document (the result), progress goes to stderr so scripts can parse
 * stdout as is. Errors always go to stderr as one `weft: …` line (run-cli does that).
 */
export class Output {
  constructor(
    private readonly io: Pick<CliIo, 'stdout' | 'stderr'>,
    readonly json: boolean,
  ) {}

  /** Progress a person wants to see while waiting (never part of the JSON result). */
  progress(text: string): void {
    if (this.json) this.io.stderr(`${text}\n`);
    else this.io.stdout(`${text}\n`);
  }

  /** The command's result: `document` in JSON mode, `lines` otherwise. */
  result(document: unknown, lines: readonly string[] | (() => readonly string[])): void {
    if (this.json) {
      this.io.stdout(`${JSON.stringify(document, null, 2)}\n`);
      return;
    }
    const text = typeof lines === 'function' ? lines() : lines;
    if (text.length > 0) this.io.stdout(`${text.join('\n')}\n`);
  }

  /** One JSON value per line (`logs --follow --json`: a stream, not one document). */
  jsonLine(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value)}\n`);
  }

  /** A plain line on stdout (human mode only: table rows as they arrive). */
  line(text: string): void {
    this.io.stdout(`${text}\n`);
  }

  warning(text: string): void {
    this.io.stderr(`weft: warning: ${text}\n`);
  }
}
