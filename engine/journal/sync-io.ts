/** Small synchronous file-system steps the journal and snapshot files are built from. */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writevSync } from 'node:fs';
import { invariant } from './errors.js';

/** Writes every byte of `parts` at the file's current position, resuming after short writes. */
export function writeAllSync(fd: number, parts: readonly Uint8Array[]): number {
  let pending = parts.filter((part) => part.byteLength > 0);
  let writtenBytes = 0;
  while (pending.length > 0) {
    const wroteBytes = writevSync(fd, pending);
    invariant(wroteBytes > 0, 'writev wrote no bytes');
    writtenBytes += wroteBytes;
    pending = dropWrittenBytes(pending, wroteBytes);
  }
  return writtenBytes;
}

function dropWrittenBytes(parts: readonly Uint8Array[], wroteBytes: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skipBytes = wroteBytes;
  for (const part of parts) {
    if (skipBytes >= part.byteLength) {
      skipBytes -= part.byteLength;
    } else {
      rest.push(part.subarray(skipBytes));
      skipBytes = 0;
    }
  }
  return rest;
}

/** Makes a directory's entries (created, renamed, removed files) durable. */
export function fsyncDirectory(directoryPath: string): void {
  const fd = openSync(directoryPath, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The whole file in one buffer (readFileSync stops at 2 GiB; this goes to the Buffer limit). */
export function readWholeFileSync(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const sizeBytes = fstatSync(fd).size;
    const buffer = Buffer.allocUnsafe(sizeBytes);
    let filledBytes = 0;
    while (filledBytes < sizeBytes) {
      const readBytes = readSync(fd, buffer, filledBytes, sizeBytes - filledBytes, filledBytes);
      if (readBytes === 0) return buffer.subarray(0, filledBytes); // shrank while read: what is there
      filledBytes += readBytes;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}
