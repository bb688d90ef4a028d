/**
 * Reads a file of a fixed size through a window of whole chunks (positional reads), so a journal
 * of any size is read without holding it all in memory. Each refill allocates a new buffer, so a
 * view handed out earlier stays valid (it pins its chunk while kept).
 */
import { readSync } from 'node:fs';
import { invariant } from './errors.js';

export const READ_CHUNK_BYTES = 8 * 1024 * 1024;

export class FileWindow {
  private buffer = Buffer.alloc(0);
  private startBytes = 0;

  constructor(
    private readonly fd: number,
    readonly sizeBytes: number,
    private readonly chunkBytes: number,
  ) {
    invariant(Number.isInteger(chunkBytes) && chunkBytes > 0, `chunkBytes ${chunkBytes} must be a positive integer`);
  }

  /**
   * The file's bytes from `offsetBytes` up to `offsetBytes + lengthBytes` or the end of the
   * file, whichever comes first: a shorter result means the file ends there.
   */
  bytesAt(offsetBytes: number, lengthBytes: number): Buffer {
    invariant(
      offsetBytes >= 0 && offsetBytes <= this.sizeBytes && lengthBytes >= 0,
      `read of ${lengthBytes} bytes at ${offsetBytes} out of range`,
    );
    const endBytes = Math.min(offsetBytes + lengthBytes, this.sizeBytes);
    if (offsetBytes < this.startBytes || endBytes > this.startBytes + this.buffer.length)
      this.refill(offsetBytes, endBytes);
    return this.buffer.subarray(offsetBytes - this.startBytes, endBytes - this.startBytes);
  }

  /** The u32 LE at `offsetBytes`, whose 4 bytes lie inside the file: no view is made (the reader's hot path). */
  u32At(offsetBytes: number): number {
    invariant(offsetBytes >= 0 && offsetBytes + 4 <= this.sizeBytes, `u32 at ${offsetBytes} out of range`);
    if (offsetBytes < this.startBytes || offsetBytes + 4 > this.startBytes + this.buffer.length)
      this.refill(offsetBytes, offsetBytes + 4);
    const buffer = this.buffer;
    const at = offsetBytes - this.startBytes;
    return (buffer[at]! | (buffer[at + 1]! << 8) | (buffer[at + 2]! << 16) | (buffer[at + 3]! << 24)) >>> 0;
  }

  private refill(offsetBytes: number, endBytes: number): void {
    const wantBytes = Math.min(Math.max(endBytes - offsetBytes, this.chunkBytes), this.sizeBytes - offsetBytes);
    const buffer = Buffer.allocUnsafe(wantBytes);
    let filledBytes = 0;
    while (filledBytes < wantBytes) {
      const readBytes = readSync(this.fd, buffer, filledBytes, wantBytes - filledBytes, offsetBytes + filledBytes);
      invariant(readBytes > 0, `file shrank while being read: ${offsetBytes + filledBytes} of ${this.sizeBytes} bytes`);
      filledBytes += readBytes;
    }
    this.buffer = buffer;
    this.startBytes = offsetBytes;
  }
}
