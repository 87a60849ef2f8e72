// TabSeparated rows written straight into bytes (see core/text-bytes.ts): an insert's text never
// exists as JS strings, and the embedded engine reads the bytes where they lie.
import { TextBytes } from '../core/text-bytes.ts';

const TAB = 0x09;
const NEWLINE = 0x0a;
/** TabSeparated escapes: a value never holds a raw tab, newline, carriage return or backslash. */
const ESCAPES = new Uint8Array(128);
ESCAPES[TAB] = 't'.charCodeAt(0);
ESCAPES[NEWLINE] = 'n'.charCodeAt(0);
ESCAPES[0x0d] = 'r'.charCodeAt(0);
ESCAPES['\\'.charCodeAt(0)] = '\\'.charCodeAt(0);

export class TabSeparatedWriter {
  private readonly out: TextBytes;
  private inRow = false;
  private rowCount = 0;

  constructor(initialBytes?: number) {
    this.out = new TextBytes(initialBytes);
  }

  /** Whole rows written. */
  get rows(): number {
    return this.rowCount;
  }

  /** Bytes written. */
  get byteLength(): number {
    return this.out.length;
  }

  /** Empty again; the buffer is kept (views of the old text are overwritten). */
  clear(): void {
    this.out.reset();
    this.inRow = false;
    this.rowCount = 0;
  }

  /** The text so far (a view, not a copy): whole rows, each ending with a newline. */
  toBuffer(): Buffer {
    return this.out.view();
  }

  /** One string per row, without its newline (to find a row the store refuses). */
  lines(): string[] {
    if (this.rowCount === 0) return [];
    return this.out.view().toString('utf8').slice(0, -1).split('\n');
  }

  /** A safe integer. */
  int(n: number): this {
    this.cell().int(n);
    return this;
  }

  /** An unsigned 64-bit id. */
  id(n: bigint): this {
    this.cell().id(n);
    return this;
  }

  /** DateTime: epoch milliseconds as whole epoch seconds. */
  seconds(ms: number): this {
    this.cell().int(Math.floor(ms / 1000));
    return this;
  }

  /** DateTime64(3): epoch milliseconds as epoch seconds with three decimals. */
  secondsWithMillis(ms: number): this {
    this.cell().fixedPoint(Math.round(ms), 1000, 3);
    return this;
  }

  /** Decimal(12, 2): integer cents. */
  cents(cents: number): this {
    this.cell().fixedPoint(cents, 100, 2);
    return this;
  }

  /** A string column; null and '' are both the empty field. */
  text(value: string | null): this {
    this.cell().escaped(value ?? '', ESCAPES);
    return this;
  }

  endRow(): void {
    this.out.byte(NEWLINE);
    this.inRow = false;
    this.rowCount += 1;
  }

  /** The output, after the tab that separates a cell from the one before. */
  private cell(): TextBytes {
    if (this.inRow) this.out.byte(TAB);
    else this.inRow = true;
    return this.out;
  }
}
