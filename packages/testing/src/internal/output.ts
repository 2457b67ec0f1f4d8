/** Where a service's output lines go; the harness is quiet unless a caller passes one. */
export type LogSink = (line: string) => void;

/**
 * Splits a child's output into lines, forwards each to the caller's sink and keeps the
 * last few, so that a start failure can say what the service printed before dying.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly sink: LogSink | undefined,
    private readonly keep = 30,
  ) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
  }

  /** The retained lines, for an error message. */
  text(): string {
    if (this.partial) {
      this.push(this.partial);
      this.partial = '';
    }
    return this.lines.join('\n');
  }

  private push(line: string): void {
    if (line.trim() === '') return;
    this.sink?.(line);
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }
}
