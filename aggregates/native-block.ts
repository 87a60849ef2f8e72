// Rows written as one block of ClickHouse's Native format: column after column, each value in
// the store's own binary layout. The engine copies the columns as they are instead of parsing
// text, the cheapest insert for its CPU, and the writer formats no
// decimal digits. The values are written a row at a time, each column into a buffer of its own.

/** The column types this writer fills, spelled as in the tables (LowCardinality columns take String). */
export type NativeType = 'UInt8' | 'UInt32' | 'UInt64' | 'Float64' | 'String' | "DateTime('UTC')" | "DateTime64(3, 'UTC')" | 'Decimal(12, 2)' | 'Decimal(18, 2)';

export interface NativeColumn {
  name: string;
  type: NativeType;
}

/** A block: its columns, its row count and its bytes as pieces to write in order. */
export interface NativeBlock {
  columns: readonly NativeColumn[];
  rows: number;
  pieces: Buffer[];
}

/**
 * A value its column's type cannot hold (a time past DateTime's range, say): the store would
 * refuse the row, so the writer does, before anything is sent. Typed as the store's own error
 * (see isDataError) so a batch is searched for the row as when the store refuses it.
 */
export class NativeValueError extends Error {
  override name = 'NativeValueError';
  readonly type = 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE';
}

const TWO_TO_32 = 2 ** 32;
const UINT64_MAX = 2n ** 64n - 1n;
/** DateTime64's range, 1900-01-01 to 2299-12-31 (milliseconds). */
const DATETIME64_MIN_MS = Date.UTC(1900, 0, 1);
const DATETIME64_MAX_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);
/** Largest number of cents each decimal type holds. */
const MAX_CENTS = { 'Decimal(12, 2)': 999_999_999_999, 'Decimal(18, 2)': Number.MAX_SAFE_INTEGER } as const;

/** One column's bytes, grown by doubling; `committed` is where the last whole row ended. */
class ColumnBytes {
  bytes: Buffer;
  at = 0;
  committed = 0;

  constructor(initialBytes: number) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  reserve(n: number): Buffer {
    if (this.at + n > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.at + n));
      this.bytes.copy(grown, 0, 0, this.at);
      this.bytes = grown;
    }
    return this.bytes;
  }
}

export class NativeBlockWriter {
  private readonly data: ColumnBytes[];
  /** Each column's name and type as the block states them. */
  private readonly headers: Buffer[];
  private column = 0;
  private rowCount = 0;

  constructor(
    readonly columns: readonly NativeColumn[],
    initialBytesPerColumn = 64 * 1024,
  ) {
    this.data = columns.map(() => new ColumnBytes(initialBytesPerColumn));
    this.headers = columns.map((c) => Buffer.concat([stringBytes(c.name), stringBytes(c.type)]));
  }

  /** Whole rows written. */
  get rows(): number {
    return this.rowCount;
  }

  /** Bytes of the columns so far. */
  get byteLength(): number {
    let n = 0;
    for (const d of this.data) n += d.committed;
    return n;
  }

  /** Empty again; the buffers are kept. */
  clear(): void {
    for (const d of this.data) d.at = d.committed = 0;
    this.column = 0;
    this.rowCount = 0;
  }

  /** The block of the rows written so far (its pieces are views, not copies). */
  block(): NativeBlock {
    const pieces: Buffer[] = [varUInt(this.columns.length), varUInt(this.rowCount)];
    this.data.forEach((d, i) => pieces.push(this.headers[i]!, d.bytes.subarray(0, d.committed)));
    return { columns: this.columns, rows: this.rowCount, pieces };
  }

  /** UInt8, UInt32 or UInt64 from a non-negative safe integer. */
  uint(n: number): this {
    const type = this.columns[this.column]!.type;
    const max = type === 'UInt8' ? 0xff : type === 'UInt32' ? 0xffffffff : Number.MAX_SAFE_INTEGER;
    if (!(Number.isInteger(n) && n >= 0 && n <= max)) this.outOfRange(n);
    if (type === 'UInt8') {
      const d = this.data[this.column++]!;
      d.reserve(1)[d.at++] = n;
    } else if (type === 'UInt32') this.fixed(4, n);
    else this.fixed(8, n);
    return this;
  }

  /** UInt64 from a bigint id. */
  id(n: bigint): this {
    // One conversion: a bigint above 2^53 - 1 becomes a number of at least 2^53.
    const v = Number(n);
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) return this.fixed(8, v);
    if (n < 0n || n > UINT64_MAX) this.outOfRange(n);
    const d = this.data[this.column++]!;
    d.reserve(8).writeBigUInt64LE(n, d.at);
    d.at += 8;
    return this;
  }

  /** DateTime: epoch milliseconds as whole epoch seconds. */
  seconds(ms: number): this {
    const s = Math.floor(ms / 1000);
    if (!(s >= 0 && s < TWO_TO_32)) this.outOfRange(ms, `${ms} ms`);
    return this.fixed(4, s);
  }

  /** DateTime64(3): epoch milliseconds. */
  millis(ms: number): this {
    const v = Math.round(ms);
    if (!(v >= DATETIME64_MIN_MS && v <= DATETIME64_MAX_MS)) this.outOfRange(ms, `${ms} ms`);
    return this.signed(v);
  }

  /** Float64: a finite number (a model's output that is not one is refused, as a value out of range). */
  float(n: number): this {
    if (!Number.isFinite(n)) this.outOfRange(n, String(n));
    const d = this.data[this.column++]!;
    d.reserve(8).writeDoubleLE(n, d.at);
    d.at += 8;
    return this;
  }

  /** Decimal(12, 2) or Decimal(18, 2): integer cents. */
  cents(cents: number): this {
    const max = MAX_CENTS[this.columns[this.column]!.type as keyof typeof MAX_CENTS];
    if (!(Number.isSafeInteger(cents) && Math.abs(cents) <= max)) this.outOfRange(cents, `${cents} cents`);
    return this.signed(cents);
  }

  /** A String; null is the empty string. Lone surrogates become U+FFFD, as in Buffer.from. */
  text(value: string | null): this {
    const s = value ?? '';
    const d = this.data[this.column++]!;
    // ASCII, the common case, is copied a byte per character behind a one-byte length.
    if (s.length < 0x80) {
      const bytes = d.reserve(1 + s.length);
      let at = d.at + 1;
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at++] = c;
      }
      if (i === s.length) {
        bytes[d.at] = s.length;
        d.at = at;
        return this;
      }
    }
    const length = Buffer.byteLength(s);
    const bytes = d.reserve(10 + length);
    d.at = writeVarUInt(bytes, d.at, length);
    d.at += bytes.write(s, d.at, length, 'utf8');
    return this;
  }

  endRow(): void {
    if (this.column !== this.columns.length) throw new Error(`a row of ${this.column} values for ${this.columns.length} columns`);
    for (const d of this.data) d.committed = d.at;
    this.column = 0;
    this.rowCount += 1;
  }

  /** Forgets the values of the row begun (after a value its column cannot hold). */
  abortRow(): void {
    for (const d of this.data) d.at = d.committed;
    this.column = 0;
  }

  /** A non-negative safe integer in `width` bytes, little-endian. */
  private fixed(width: 4 | 8, n: number): this {
    const d = this.data[this.column++]!;
    const bytes = d.reserve(width);
    const low = n >>> 0;
    bytes.writeUInt32LE(low, d.at);
    if (width === 8) bytes.writeUInt32LE((n - low) / TWO_TO_32, d.at + 4);
    d.at += width;
    return this;
  }

  /** A safe integer as Int64, little-endian. */
  private signed(n: number): this {
    const d = this.data[this.column++]!;
    const bytes = d.reserve(8);
    const low = n >>> 0;
    bytes.writeUInt32LE(low, d.at);
    bytes.writeInt32LE(Math.floor((n - low) / TWO_TO_32), d.at + 4);
    d.at += 8;
    return this;
  }

  private outOfRange(value: number | bigint, shown = String(value)): never {
    const { name, type } = this.columns[this.column]!;
    throw new NativeValueError(`${name}: ${shown} is outside what ${type} holds`);
  }
}

function stringBytes(s: string): Buffer {
  const bytes = Buffer.from(s);
  return Buffer.concat([varUInt(bytes.length), bytes]);
}

/** An unsigned LEB128 number, as Native writes sizes. */
function varUInt(n: number): Buffer {
  const bytes = Buffer.allocUnsafe(10);
  return bytes.subarray(0, writeVarUInt(bytes, 0, n));
}

function writeVarUInt(bytes: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    bytes[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  bytes[at++] = n;
  return at;
}
