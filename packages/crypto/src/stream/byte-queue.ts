/**
 * A FIFO of byte chunks that hands out exact-size slices. Copies only when a slice spans
 * several inputs, so arbitrary input boundaries cost no quadratic re-concatenation.
 */
export class ByteQueue {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(
      Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    );
    this.size += bytes.length;
  }

  /** Removes and returns the first `count` bytes (count ≤ length). */
  take(count: number): Buffer {
    const first = this.parts[0];
    if (first !== undefined && first.length >= count) {
      const slice = first.subarray(0, count);
      this.dropFront(first, count);
      return slice;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const part = this.parts[0] as Buffer;
      const used = Math.min(part.length, count - filled);
      part.copy(out, filled, 0, used);
      filled += used;
      this.dropFront(part, used);
    }
    return out;
  }

  /** The first `count` bytes without removing them (count ≤ length). */
  peek(count: number): Buffer {
    const first = this.parts[0];
    if (first !== undefined && first.length >= count) return first.subarray(0, count);
    const joined = Buffer.concat(this.parts, this.size);
    this.parts.length = 0;
    this.parts.push(joined);
    return joined.subarray(0, count);
  }

  private dropFront(part: Buffer, used: number): void {
    this.size -= used;
    if (used === part.length) this.parts.shift();
    else this.parts[0] = part.subarray(used);
  }
}
