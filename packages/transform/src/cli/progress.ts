// The progress bar of weft-transform: bytes read of the input's size, redrawn at most five
// times a second, only on a terminal and only for inputs large enough to wait for.

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
const REDRAW_MS = 200;

function megabytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  constructor(
    private readonly out: ProgressOutput,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {}

  static enabled(out: ProgressOutput, total: number, quiet: boolean): boolean {
    return !quiet && out.isTTY === true && total >= PROGRESS_MIN_BYTES;
  }

  update(bytes: number): void {
    const time = this.now();
    if (time - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = time;
    const ratio = this.total > 0 ? Math.min(1, bytes / this.total) : 1;
    const label = ` ${Math.floor(ratio * 100)}% ${megabytes(bytes)}/${megabytes(this.total)} MB`;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - label.length - 3));
    const filled = Math.round(ratio * width);
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${label}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** Passes chunks through, reporting the bytes seen so far. */
export async function* countBytes(
  source: AsyncIterable<Uint8Array | string>,
  onBytes: (total: number) => void,
): AsyncGenerator<Uint8Array | string> {
  let total = 0;
  for await (const chunk of source) {
    total += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    onBytes(total);
    yield chunk;
  }
}
