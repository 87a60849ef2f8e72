// Text written straight into bytes: numbers as their decimal digits, ASCII as it is. The
// outputs built for every event (sales-topic records, record keys) never exist as JS strings,
// so there is nothing to concatenate, flatten or convert to UTF-8, and the bytes live outside
// the JS heap, where young collections do not copy them.

import { BoundedMemo } from './bounded-memo.ts';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const MINUS = 0x2d;
const ZERO = 0x30;
/** Bytes a safe integer takes at most, with its sign. */
const MAX_INTEGER_BYTES = 17;

/** Decimal text of ids beyond 2^53 (category ids), by id. */
const largeIdText = new BoundedMemo<bigint, string>();

export class TextBytes {
  private bytes: Buffer;
  private at = 0;

  constructor(initialBytes = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(Math.max(1, initialBytes));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }

  /** The bytes from `start` to `end` (a view, not a copy: it stays valid as more is written). */
  view(start = 0, end = this.at): Buffer {
    return this.bytes.subarray(start, end);
  }

  /** A safe integer in decimal; anything else as JavaScript prints it. */
  int(n: number): this {
    if (!Number.isSafeInteger(n)) return this.ascii(String(n));
    this.reserve(MAX_INTEGER_BYTES);
    this.digits(n);
    return this;
  }

  /** A 64-bit id in decimal (ids above 2^53 from their string). */
  id(n: bigint): this {
    // One conversion: a bigint above 2^53 - 1 becomes a number of at least 2^53.
    const v = Number(n);
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) return this.int(v);
    return this.ascii(largeIdText.get(n) ?? largeIdText.set(n, n.toString()));
  }

  /** Text known to be ASCII and to need no escaping (names, digits, JSON punctuation). */
  ascii(text: string): this {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.bytes[this.at++] = text.charCodeAt(i);
    return this;
  }

  /** Starts over: what was written is overwritten (views of it included). */
  reset(): void {
    this.at = 0;
  }

  /** What was written, as a string of one character per byte (ASCII reads as itself). */
  latin1(): string {
    return this.bytes.toString('latin1', 0, this.at);
  }

  /**
   * Writes `text` if it is printable ASCII (space to tilde) without a `"` or `\\`, text that
   * JSON and most formats quote as it is; answers false, having written part of it, otherwise.
   */
  plain(text: string): boolean {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
      this.bytes[this.at++] = c;
    }
    return true;
  }

  /** `text` as a JSON string, quotes included: as it is when plain, else escaped by JSON.stringify. */
  jsonString(text: string): this {
    const start = this.at;
    this.byte(QUOTE);
    if (this.plain(text)) return this.byte(QUOTE);
    this.at = start;
    const json = JSON.stringify(text);
    this.reserve(Buffer.byteLength(json));
    this.at += this.bytes.write(json, this.at, 'utf8');
    return this;
  }

  /** One byte. */
  byte(b: number): this {
    this.reserve(1);
    this.bytes[this.at++] = b;
    return this;
  }

  /** Room for `bytes` more bytes. */
  private reserve(bytes: number): void {
    if (this.at + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.at + bytes));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
  }

  private digits(n: number): void {
    if (n < 0) {
      this.bytes[this.at++] = MINUS;
      n = -n;
    }
    const length = digitCount(n);
    let i = this.at + length;
    // Two digits per division, from a table; integer arithmetic while it fits 31 bits.
    while (n >= 0x80000000) {
      const rest = Math.floor(n / 100);
      const pair = 2 * (n - rest * 100);
      this.bytes[--i] = DIGIT_PAIRS[pair + 1]!;
      this.bytes[--i] = DIGIT_PAIRS[pair]!;
      n = rest;
    }
    while (n >= 100) {
      const rest = (n / 100) | 0;
      const pair = 2 * (n - rest * 100);
      this.bytes[--i] = DIGIT_PAIRS[pair + 1]!;
      this.bytes[--i] = DIGIT_PAIRS[pair]!;
      n = rest;
    }
    if (n >= 10) {
      this.bytes[--i] = DIGIT_PAIRS[2 * n + 1]!;
      this.bytes[--i] = DIGIT_PAIRS[2 * n]!;
    } else this.bytes[--i] = ZERO + n;
    this.at += length;
  }
}

/** "00", "01", ... "99" as bytes. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** Decimal digits of a non-negative safe integer. */
function digitCount(n: number): number {
  if (n < 1e5) return n < 100 ? (n < 10 ? 1 : 2) : n < 1e3 ? 3 : n < 1e4 ? 4 : 5;
  if (n < 1e10) return n < 1e7 ? (n < 1e6 ? 6 : 7) : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
  let length = 11;
  for (let bound = 1e11; bound <= n; bound *= 10) length += 1;
  return length;
}
