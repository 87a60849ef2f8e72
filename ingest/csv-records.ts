// Bytes to CSV records, before csv-parse splits them into fields. csv-parse cannot resume after a
// broken record (an unclosed quote swallows the rest of the file, max_record_size ends the chunk
// it is reading), so the records are framed here and each one reaches csv-parse whole and sound:
// - Physical lines end at LF or CRLF; the header is line 1 (blank lines count but make no record).
// - A line longer than maxRowBytes is rejected on its own without being held (raw_line keeps its
//   first bytes).
// - A quoted field may span lines only if it closes within maxRowBytes into a record with as many
//   fields as the header. Otherwise the line where the quote opened is rejected and the lines
//   after it are read again as records of their own.
// - A UTF-8 BOM is dropped; a UTF-16LE or UTF-16BE BOM makes the stream decode as UTF-16. UTF-16
//   or UTF-32 recognised without a BOM (NUL bytes beside the header's ASCII), or UTF-32 with one,
//   rejects the whole input (`foreign`): decoded as UTF-8 it would only be a header without columns.
// - A record holding bytes that are not UTF-8 carries the reason; the caller rejects it.

import { TextDecoder } from 'node:util';
import { firstInvalidUtf8, scanLine, type Scan } from './csv-scan.ts';
import { foreignEncoding, utf16Bom } from './foreign-encoding.ts';
import { overlongRow, preview, type RejectedLine } from './rejected-line.ts';

export interface CsvRecord {
  kind: 'record';
  first_line: number;
  /** The physical line the record ends on. */
  line: number;
  /** Without the final line end; the line ends inside a multi-line record are kept. */
  text: string;
  /** The text holds a quote, so only csv-parse may split it; without one a split on commas is exact. */
  quoted: boolean;
  /** Set when the bytes are not UTF-8 (the text then holds U+FFFD for them). */
  encodingError: string | undefined;
}

export type Framed = CsvRecord | ({ kind: 'rejected' } & RejectedLine);

interface Line {
  no: number;
  /** Undefined for a line over the limit: it is not held. */
  text: string | undefined;
  eol: string;
  /** Without the line end. */
  bytes: number;
  /** 1-based byte column of the first byte that is not UTF-8, or 0. */
  badColumn: number;
  badByte: number;
  /** The first bytes of a line over the limit. */
  preview: string;
}

const LF = 10;
const CR = 13;

/** Frames a byte stream into records: push() each chunk, then end(); each returns what it completed, in line order. */
export class RecordReader {
  /** Set when the first bytes show an encoding that is not read: what was detected. The input is then ignored. */
  foreign: string | undefined;
  private sniffed = false;
  private head: Buffer | undefined;
  private utf16: TextDecoder | undefined;
  /** The unfinished line; once it is over the limit only its size and first bytes are kept. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  private overlong: { bytes: number; last: number; preview: string } | undefined;
  private lineNo = 1;
  /** Lines not yet framed; from `openAt` on, the lines of a record whose quoted field is still open. */
  private queue: Line[] = [];
  private next = 0;
  private openAt = -1;
  private openBytes = 0;
  private openedColumn = 0;
  private readonly scan: Scan = { quoted: false, fields: 1, openedColumn: 0, error: undefined };
  /** Fields of the header, the first record. */
  private width: number | undefined;
  private out: Framed[] = [];

  constructor(private readonly maxRowBytes: number) {}

  push(chunk: Buffer): Framed[] {
    if (this.foreign !== undefined) return [];
    if (!this.sniffed) {
      const buf = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (buf.length < 4) {
        this.head = buf;
        return [];
      }
      this.head = undefined;
      this.split(this.sniff(buf));
    } else this.split(this.utf16 ? Buffer.from(this.utf16.decode(chunk, { stream: true })) : chunk);
    this.frame(false);
    return this.take();
  }

  end(): Framed[] {
    if (!this.sniffed) this.split(this.sniff(this.head ?? Buffer.alloc(0)));
    if (this.foreign !== undefined) return [];
    if (this.utf16) this.split(Buffer.from(this.utf16.decode()));
    if (this.overlong) this.addOverlong('');
    else if (this.partBytes > 0) this.addLine(this.joinParts(), '');
    this.frame(true);
    return this.take();
  }

  private take(): Framed[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** The input after its BOM, as UTF-8; empty when the encoding is foreign. */
  private sniff(buf: Buffer): Buffer {
    this.sniffed = true;
    if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3);
    this.foreign = foreignEncoding(buf);
    if (this.foreign !== undefined) return Buffer.alloc(0);
    const bom = utf16Bom(buf);
    if (bom === undefined) return buf;
    this.utf16 = new TextDecoder(bom);
    return Buffer.from(this.utf16.decode(buf.subarray(2), { stream: true }));
  }

  private split(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      if (this.overlong === undefined && this.partBytes === 0) this.addLine(chunk.subarray(start, nl), '\n');
      else {
        if (nl > start) this.keep(chunk.subarray(start, nl));
        if (this.overlong) this.addOverlong('\n');
        else this.addLine(this.joinParts(), '\n');
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** Holds a piece of the unfinished line, or only counts it once the line is over the limit. */
  private keep(piece: Buffer): void {
    if (this.overlong) {
      this.overlong.bytes += piece.length;
      this.overlong.last = piece[piece.length - 1]!;
      return;
    }
    this.parts.push(piece);
    this.partBytes += piece.length;
    if (this.partBytes > this.maxRowBytes + 1) {
      const all = this.joinParts();
      this.overlong = { bytes: all.length, last: all[all.length - 1]!, preview: preview(all) };
    }
  }

  private joinParts(): Buffer {
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    return buf;
  }

  /** A whole physical line, without its LF. */
  private addLine(bytes: Buffer, eol: string): void {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) {
      end--;
      if (eol !== '') eol = '\r\n';
    }
    const no = this.lineNo++;
    if (end > this.maxRowBytes) {
      this.queue.push({ no, text: undefined, eol, bytes: end, badColumn: 0, badByte: 0, preview: preview(bytes.subarray(0, end)) });
      return;
    }
    const text = bytes.toString('utf8', 0, end);
    const line: Line = { no, text, eol, bytes: end, badColumn: 0, badByte: 0, preview: '' };
    // Decoding turns each invalid byte into U+FFFD; only then are the bytes looked at.
    if (text.includes('\uFFFD')) {
      const at = firstInvalidUtf8(bytes, 0, end);
      if (at !== -1) {
        line.badColumn = at + 1;
        line.badByte = bytes[at]!;
      }
    }
    this.queue.push(line);
  }

  private addOverlong(eol: string): void {
    const { bytes, last, preview } = this.overlong!;
    this.overlong = undefined;
    const withoutCr = last === CR ? bytes - 1 : bytes;
    this.queue.push({ no: this.lineNo++, text: undefined, eol, bytes: withoutCr, badColumn: 0, badByte: 0, preview });
  }

  /** Frames the queued lines; at the end of the input an open quoted field fails its record. */
  private frame(atEnd: boolean): void {
    for (;;) {
      while (this.next < this.queue.length) {
        const line = this.queue[this.next++]!;
        if (this.openAt < 0) this.fresh(line);
        else this.continued(line);
      }
      if (!atEnd || this.openAt < 0) break;
      this.unterminated();
    }
    const done = this.openAt < 0 ? this.next : this.openAt;
    if (done === this.queue.length) this.queue = [];
    else if (done > 0) this.queue.splice(0, done);
    this.next -= done;
    if (this.openAt >= 0) this.openAt -= done;
  }

  /** A line that starts a record. */
  private fresh(line: Line): void {
    const { text } = line;
    if (text === undefined) {
      this.out.push({ kind: 'rejected', source_line: line.no, ...overlongRow(line.preview, line.bytes, this.maxRowBytes) });
      return;
    }
    if (text === '') return;
    if (!text.includes('"')) {
      this.width ??= text.split(',').length;
      this.out.push({ kind: 'record', first_line: line.no, line: line.no, text, quoted: false, encodingError: encodingError(line, line.no) });
      return;
    }
    const scan = this.scan;
    scan.quoted = false;
    scan.fields = 1;
    scan.error = undefined;
    scanLine(text, scan);
    if (scan.error !== undefined) this.reject(line.no, text, `unparsable CSV: ${scan.error}`);
    else if (scan.quoted) {
      this.openAt = this.next - 1;
      this.openBytes = line.bytes;
      this.openedColumn = scan.openedColumn;
    } else {
      this.width ??= scan.fields;
      this.out.push({ kind: 'record', first_line: line.no, line: line.no, text, quoted: true, encodingError: encodingError(line, line.no) });
    }
  }

  /** A line inside an open quoted field. */
  private continued(line: Line): void {
    if (line.text === undefined) return this.unterminated();
    this.openBytes += this.queue[this.next - 2]!.eol.length + line.bytes;
    if (this.openBytes > this.maxRowBytes) return this.unterminated();
    scanLine(line.text, this.scan);
    if (this.scan.error !== undefined) return this.unterminated();
    if (this.scan.quoted) return;
    if (this.width !== undefined && this.scan.fields !== this.width) return this.unterminated();
    this.width ??= this.scan.fields;
    let text = '';
    let badLine: Line | undefined;
    for (let i = this.openAt; i < this.next; i++) {
      const l = this.queue[i]!;
      text += l === line ? l.text : l.text! + l.eol;
      if (badLine === undefined && l.badColumn > 0) badLine = l;
    }
    const first_line = this.queue[this.openAt]!.no;
    this.out.push({ kind: 'record', first_line, line: line.no, text, quoted: true, encodingError: encodingError(badLine, line.no) });
    this.openAt = -1;
  }

  /** The quote opened on the record's first line never closes: reject that line, read the next ones again. */
  private unterminated(): void {
    const opener = this.queue[this.openAt]!;
    const into = this.width === undefined ? '' : ` into a row of ${this.width} fields`;
    this.reject(
      opener.no,
      opener.text!,
      `unterminated quote: the quoted field opened at column ${this.openedColumn} is not closed${into} within ${this.maxRowBytes} bytes (SALESINSIGHTS_MAX_ROW_BYTES); the lines after it are read as rows of their own`,
    );
    this.next = this.openAt + 1;
    this.openAt = -1;
  }

  private reject(source_line: number, raw_line: string, reason: string): void {
    this.out.push({ kind: 'rejected', source_line, raw_line, reason });
  }
}

/** Why a record whose line `bad` holds a byte that is not UTF-8 is rejected. */
function encodingError(bad: Line | undefined, last: number): string | undefined {
  if (bad === undefined || bad.badColumn === 0) return undefined;
  const where = bad.no === last ? `column ${bad.badColumn}` : `column ${bad.badColumn} of line ${bad.no}`;
  return `not valid UTF-8 (byte 0x${bad.badByte.toString(16).toUpperCase().padStart(2, '0')} at ${where}); re-encode the file as UTF-8`;
}
