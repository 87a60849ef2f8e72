// TabSeparated rows written straight into bytes. An insert's text never exists as JS strings:
// no lines to join, no string to flatten and convert to UTF-8 for the engine, and the bytes
// live outside the JS heap, so the young collections have nothing of them to copy (building
// the raw archive as strings cost about 2 µs of CPU per event; see BENCHMARKS.md).

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;
/** The escapes of TabSeparated text: a value never holds a raw tab, newline, carriage return or backslash. */
const ESCAPED: Record<number, number> = { [TAB]: 0x74, [NEWLINE]: 0x6e, 0x0d: 0x72, [BACKSLASH]: BACKSLASH };
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Bytes a safe integer takes at most, with its sign. */
const MAX_INTEGER_BYTES = 17;

export class TabSeparatedWriter {
  private bytes: Buffer;
  private at = 0;
  private inRow = false;
  private rowCount = 0;

  constructor(initialBytes = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  /** Whole rows written. */
  get rows(): number {
    return this.rowCount;
  }

  /** The text so far (a view, not a copy): whole rows, each ending with a newline. */
  toBuffer(): Buffer {
    return this.bytes.subarray(0, this.at);
  }

  /** One string per row, without its newline (to find a row the store refuses). */
  lines(): string[] {
    if (this.at === 0) return [];
    return this.bytes.toString('utf8', 0, this.at - 1).split('\n');
  }

  /** A safe integer. */
  int(n: number): this {
    if (!Number.isSafeInteger(n)) return this.text(String(n));
    this.field(MAX_INTEGER_BYTES);
    this.digits(n);
    return this;
  }

  /** An unsigned 64-bit id: ids above 2^53 are written from their decimal string. */
  id(n: bigint): this {
    if (n >= 0n && n <= MAX_SAFE) return this.int(Number(n));
    return this.text(n.toString());
  }

  /** DateTime: epoch milliseconds as whole epoch seconds. */
  seconds(ms: number): this {
    return this.int(Math.floor(ms / 1000));
  }

  /** DateTime64(3): epoch milliseconds as epoch seconds with three decimals. */
  secondsWithMillis(ms: number): this {
    return this.fixedPoint(Math.round(ms), 1000, 3);
  }

  /** Decimal(12, 2): integer cents. */
  cents(cents: number): this {
    return this.fixedPoint(cents, 100, 2);
  }

  /** A string column; null and '' are both the empty field. */
  text(value: string | null): this {
    const length = value === null ? 0 : value.length;
    // Each UTF-16 unit takes at most 3 bytes in UTF-8, and an escape 2.
    this.field(3 * length);
    for (let i = 0; i < length; i++) {
      const c = value!.charCodeAt(i);
      if (c >= 0x80) {
        this.at += this.bytes.write(escapeText(value!.slice(i)), this.at, 'utf8');
        return this;
      }
      const escaped = ESCAPED[c];
      if (escaped === undefined) this.bytes[this.at++] = c;
      else {
        this.bytes[this.at++] = BACKSLASH;
        this.bytes[this.at++] = escaped;
      }
    }
    return this;
  }

  endRow(): void {
    this.reserve(1);
    this.bytes[this.at++] = NEWLINE;
    this.inRow = false;
    this.rowCount += 1;
  }

  /** Room for a field of up to `bytes` bytes, after the tab that separates it from the one before. */
  private field(bytes: number): void {
    this.reserve(bytes + 1);
    if (this.inRow) this.bytes[this.at++] = TAB;
    else this.inRow = true;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.at + bytes));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
  }

  /** `n / scale` with `decimals` digits after the point, n an integer. */
  private fixedPoint(n: number, scale: number, decimals: number): this {
    if (!Number.isSafeInteger(n)) return this.text((n / scale).toFixed(decimals));
    this.field(MAX_INTEGER_BYTES + 1 + decimals);
    if (n < 0) {
      this.bytes[this.at++] = MINUS;
      n = -n;
    }
    const whole = Math.floor(n / scale);
    this.digits(whole);
    this.bytes[this.at++] = DOT;
    let fraction = n - whole * scale;
    for (let i = this.at + decimals - 1; i >= this.at; i--) {
      this.bytes[i] = ZERO + (fraction % 10);
      fraction = Math.floor(fraction / 10);
    }
    this.at += decimals;
    return this;
  }

  private digits(n: number): void {
    if (n < 0) {
      this.bytes[this.at++] = MINUS;
      n = -n;
    }
    let length = 1;
    for (let bound = 10; bound <= n; bound *= 10) length += 1;
    let i = this.at + length;
    while (n >= 10) {
      const rest = Math.floor(n / 10);
      this.bytes[--i] = ZERO + (n - rest * 10);
      n = rest;
    }
    this.bytes[--i] = ZERO + n;
    this.at += length;
  }
}

function escapeText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);
}
