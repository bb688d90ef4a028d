/**
 * The header at the start of every journal and snapshot file (format version 1):
 *
 *   bytes  0..7   magic: 'HFJOURNL' (journal) or 'HFSNAPSH' (snapshot)
 *   bytes  8..9   u16 LE format version
 *   bytes 10..11  u16 LE reserved, 0
 *   bytes 12..15  u32 LE shard
 *   bytes 16..19  u32 LE generation
 *   bytes 20..23  u32 LE crc32 of bytes 0..19
 *
 * The magic and the version keep their place in every version, so a file of another version is
 * recognised and refused (FORMAT_VERSION_UNSUPPORTED) before anything else in it is read, even
 * when its header is laid out otherwise.
 *
 * Files written before headers existed (format version 0, legacy) start with a record: a u32 LE
 * payload length. A journal record's length is at most RECORD_PAYLOAD_MAX_BYTES (256 MiB), while
 * the journal magic's first four bytes read as a length of about 1.3 GB, so a journal that starts
 * with the magic is never a legacy journal, and a legacy journal never starts with it.
 */
import { crc32 } from 'node:zlib';
import { FormatVersionError, invariant } from './errors.js';

export type FileKind = 'journal' | 'snapshot';

/** Which shard and generation a file belongs to: a file found elsewhere is refused. */
export interface FileIdentity {
  readonly shard: number;
  readonly generation: number;
}

export const FILE_HEADER_BYTES = 24;
/** The version this build writes. */
export const FILE_FORMAT_VERSION = 1;
/** 0 is a legacy file without a header. */
export const READABLE_FILE_FORMAT_VERSIONS: readonly number[] = [0, 1];

const MAGIC_BYTES = 8;
const VERSION_END_BYTES = MAGIC_BYTES + 2;
const CRC_OFFSET_BYTES = 20;
const MAGICS: Readonly<Record<FileKind, Buffer>> = {
  journal: Buffer.from('HFJOURNL', 'latin1'),
  snapshot: Buffer.from('HFSNAPSH', 'latin1'),
};

export type FileHeaderCheck =
  /** A whole header of a version this build reads, its crc matching. */
  | { readonly state: 'valid'; readonly version: number; readonly identity: FileIdentity }
  /** The file ends inside the header (a crash while creating it), before or after a version this build reads. */
  | { readonly state: 'torn'; readonly reason: string }
  /** The magic, a version this build does not read: refuse, never read on. */
  | { readonly state: 'unknown-version'; readonly version: number }
  /** The magic and this build's version, with a header that fails its crc. */
  | { readonly state: 'damaged'; readonly reason: string }
  /** Does not start with the magic (nor with a prefix of it when shorter). */
  | { readonly state: 'no-magic' };

export function magicOf(kind: FileKind): Buffer {
  return MAGICS[kind];
}

export function encodeFileHeader(kind: FileKind, identity: FileIdentity): Buffer {
  assertIdentity(identity);
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  MAGICS[kind].copy(header, 0);
  header.writeUInt16LE(FILE_FORMAT_VERSION, MAGIC_BYTES);
  header.writeUInt32LE(identity.shard, 12);
  header.writeUInt32LE(identity.generation, 16);
  header.writeUInt32LE(crc32(header.subarray(0, CRC_OFFSET_BYTES)), CRC_OFFSET_BYTES);
  return header;
}

/** Checks the header at the start of `bytes`: the file's first FILE_HEADER_BYTES bytes, or all of it when shorter. */
export function checkFileHeader(kind: FileKind, bytes: Buffer): FileHeaderCheck {
  const magic = MAGICS[kind];
  const magicPart = bytes.subarray(0, MAGIC_BYTES);
  if (!magicPart.equals(magic.subarray(0, magicPart.length))) return { state: 'no-magic' };
  if (bytes.length < VERSION_END_BYTES)
    return { state: 'torn', reason: `file header cut short: ${bytes.length} of ${FILE_HEADER_BYTES} bytes` };
  const version = bytes.readUInt16LE(MAGIC_BYTES);
  if (version !== FILE_FORMAT_VERSION) return { state: 'unknown-version', version };
  if (bytes.length < FILE_HEADER_BYTES)
    return { state: 'torn', reason: `file header cut short: ${bytes.length} of ${FILE_HEADER_BYTES} bytes` };
  const storedCrc = bytes.readUInt32LE(CRC_OFFSET_BYTES);
  const actualCrc = crc32(bytes.subarray(0, CRC_OFFSET_BYTES));
  if (storedCrc !== actualCrc)
    return { state: 'damaged', reason: `file header crc mismatch: stored ${storedCrc}, computed ${actualCrc}` };
  return { state: 'valid', version, identity: { shard: bytes.readUInt32LE(12), generation: bytes.readUInt32LE(16) } };
}

/** Null when `found` is the file `expected` names, else what differs. */
export function identityProblem(found: FileIdentity, expected: FileIdentity): string | null {
  if (found.shard === expected.shard && found.generation === expected.generation) return null;
  return (
    `its header names shard ${found.shard} generation ${found.generation}, ` +
    `not shard ${expected.shard} generation ${expected.generation} (a file moved by hand?)`
  );
}

/** How the versions this build reads are named in messages. */
export function describeReadableVersions(): string {
  return READABLE_FILE_FORMAT_VERSIONS.map((version) => (version === 0 ? '0 (legacy, headerless)' : version)).join(
    ', ',
  );
}

/** FORMAT_VERSION_UNSUPPORTED for a file with the magic and a version this build does not read. */
export function unsupportedVersionError(kind: FileKind, path: string, version: number): FormatVersionError {
  return new FormatVersionError(
    path,
    version,
    READABLE_FILE_FORMAT_VERSIONS,
    `${kind} ${path} has format version ${version}; this build reads format versions ${describeReadableVersions()} ` +
      '(a newer holdfast wrote it? start that build; the file is left untouched)',
  );
}

/** FORMAT_VERSION_UNSUPPORTED for a file that has no magic and is not a legacy (headerless) file either. */
export function noMagicError(kind: FileKind, path: string, bytes: Buffer): FormatVersionError {
  const start = bytes.subarray(0, MAGIC_BYTES).toString('hex');
  return new FormatVersionError(
    path,
    null,
    READABLE_FILE_FORMAT_VERSIONS,
    `${kind} ${path} does not start with the holdfast ${kind} magic ${MAGICS[kind].toString('latin1')} ` +
      `(it starts with 0x${start}) and is not a legacy headerless ${kind} either; this build reads format ` +
      `versions ${describeReadableVersions()}; the file is left untouched`,
  );
}

function assertIdentity({ shard, generation }: FileIdentity): void {
  invariant(Number.isInteger(shard) && shard >= 0 && shard <= 0xffff_ffff, `shard ${shard} out of range`);
  invariant(
    Number.isInteger(generation) && generation >= 0 && generation <= 0xffff_ffff,
    `generation ${generation} out of range`,
  );
}
