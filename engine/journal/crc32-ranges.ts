/**
 * CRC-32 (the zlib polynomial, as node:zlib crc32) of any byte range from running prefix CRCs,
 * in constant time per range: crc(A‖B) = crc(A)·x^(8·|B|) ⊕ crc(B) (zlib's crc32_combine), so
 * crc(B) = crc(A‖B) ⊕ crc(A)·x^(8·|B|). This lets the corruption scan test every candidate
 * record in one pass over the bytes instead of re-hashing each candidate's payload.
 */
import { invariant } from './errors.js';

const POLYNOMIAL_REFLECTED = 0xedb88320;
/** The register before the first byte (crc32 of nothing is ~register = 0). */
export const CRC32_REGISTER_START = -1; // 0xffffffff as an int32: the register stays a small integer in hot loops

const BYTE_TABLE = makeByteTable();
/** X_POWER_2N[k] = x^(2^k) mod P. */
const X_POWER_2N = makePowerTable();

/** The register after one more byte (reflected table-driven CRC-32). */
export function crc32Step(register: number, byte: number): number {
  return BYTE_TABLE[(register ^ byte) & 0xff]! ^ (register >>> 8);
}

/** The CRC-32 of the bytes stepped through so far. */
export function crc32OfRegister(register: number): number {
  return ~register >>> 0;
}

/**
 * The CRC-32 of bytes [start, end) of a stream, from the CRC-32 of the stream's bytes before
 * start (`prefixCrcAtStart`) and before end (`prefixCrcAtEnd`).
 */
export function crc32OfRange(prefixCrcAtStart: number, prefixCrcAtEnd: number, rangeBytes: number): number {
  invariant(Number.isSafeInteger(rangeBytes) && rangeBytes >= 0, `range of ${rangeBytes} bytes`);
  return (prefixCrcAtEnd ^ multiplyModP(xPower8n(rangeBytes), prefixCrcAtStart)) >>> 0;
}

/** a·b mod P, both in the reflected bit order zlib uses (multmodp). */
function multiplyModP(a: number, b: number): number {
  invariant(a !== 0, 'multiplyModP by zero');
  let mask = 0x80000000;
  let product = 0;
  let multiplicand = b >>> 0;
  for (;;) {
    if ((a & mask) !== 0) {
      product ^= multiplicand;
      if ((a & (mask - 1)) === 0) break;
    }
    mask >>>= 1;
    multiplicand = multiplicand & 1 ? (multiplicand >>> 1) ^ POLYNOMIAL_REFLECTED : multiplicand >>> 1;
  }
  return product >>> 0;
}

/** x^(8·n) mod P (zlib's x2nmodp(n, 3)). */
function xPower8n(n: number): number {
  let power = 0x80000000; // x^0
  let rest = n;
  let k = 3;
  while (rest > 0) {
    if (rest % 2 === 1) power = multiplyModP(X_POWER_2N[k % 32]!, power);
    rest = Math.floor(rest / 2);
    k += 1;
  }
  return power;
}

function makeByteTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let register = byte;
    for (let bit = 0; bit < 8; bit += 1)
      register = register & 1 ? (register >>> 1) ^ POLYNOMIAL_REFLECTED : register >>> 1;
    table[byte] = register;
  }
  return table;
}

function makePowerTable(): Uint32Array {
  const table = new Uint32Array(32);
  let power = 0x40000000; // x^1
  table[0] = power;
  for (let k = 1; k < 32; k += 1) {
    power = multiplyModP(power, power);
    table[k] = power;
  }
  return table;
}
