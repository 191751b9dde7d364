/**
 * The bytes a capture reader has received but not yet consumed, as the
 * chunks they came in. Chunks are joined only when a record spans them, and
 * only once the whole record is there, so tiny chunks cost no more than big
 * ones and a reader holds at most one record plus one chunk.
 */
export class ChunkBuffer {
  private chunks: Buffer[] = [];
  /** Bytes of chunks[0] already consumed. */
  private head = 0;
  private total = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.total += chunk.length;
  }

  get available(): number {
    return this.total;
  }

  /** The next `n` bytes without consuming them (n <= available). */
  peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    let count = 1;
    for (let have = first.length - this.head; have < n; count++) have += this.chunks[count]!.length;
    const joined = Buffer.concat([first.subarray(this.head), ...this.chunks.slice(1, count)]);
    this.chunks.splice(0, count, joined);
    this.head = 0;
    return joined.subarray(0, n);
  }

  skip(n: number): void {
    this.total -= n;
    this.head += n;
    while (this.chunks.length > 0 && this.head >= this.chunks[0]!.length) {
      this.head -= this.chunks[0]!.length;
      this.chunks.shift();
    }
  }

  /** Drops what is left (reading stopped on a damaged record). */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}
