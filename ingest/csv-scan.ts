// Checks of one physical line for RecordReader: where RFC 4180 quoting stands at its end (as
// csv-parse reads it, so that only sound records reach csv-parse), and where its bytes stop
// being UTF-8.

/** How far RFC 4180 quoting has got in a record, as csv-parse reads it. */
export interface Scan {
  quoted: boolean;
  fields: number;
  openedColumn: number;
  error: string | undefined;
}

const QUOTE = 34;
const COMMA = 44;

/**
 * Advances `scan` over one physical line: a quote opens a field only at its start; inside one,
 * "" is a quote and the closing quote must be followed by a comma or the line end.
 */
export function scanLine(text: string, scan: Scan): void {
  const n = text.length;
  let i = 0;
  for (;;) {
    if (scan.quoted) {
      const q = text.indexOf('"', i);
      if (q === -1) return; // the field goes on on the next line
      const after = q + 1 < n ? text.charCodeAt(q + 1) : -1;
      if (after === QUOTE) {
        i = q + 2;
        continue;
      }
      scan.quoted = false;
      if (after === -1) return;
      if (after !== COMMA) {
        scan.error = `the closing quote at column ${q + 1} is followed by ${JSON.stringify(text[q + 1])} instead of a comma or the line end`;
        return;
      }
      scan.fields++;
      i = q + 2;
    }
    if (i < n && text.charCodeAt(i) === QUOTE) {
      scan.quoted = true;
      scan.openedColumn = i + 1;
      i++;
      continue;
    }
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === COMMA) break;
      if (c === QUOTE) {
        scan.error = `quote at column ${i + 1} inside a field that does not start with a quote`;
        return;
      }
    }
    if (i >= n) return;
    scan.fields++;
    i++;
  }
}

/** Index of the first byte of buf[start, end) that does not belong to a UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; ) {
    const c = buf[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + n >= end) return i;
    const second = buf[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}
