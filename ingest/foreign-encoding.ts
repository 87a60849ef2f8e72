// The encodings the first bytes of a CSV file or a request body show. Only UTF-8 is read; UTF-16
// with a byte order mark is decoded (csv-records.ts), and every other one rejects the whole input.

/**
 * The encoding the first bytes show, when it is one that is not read: a UTF-32 BOM, or without a
 * BOM the NUL bytes that UTF-16 and UTF-32 put beside a header's ASCII characters.
 */
export function foreignEncoding(b: Buffer): string | undefined {
  if (b.length < 2) return undefined;
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'UTF-32LE detected (byte order mark)';
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32BE detected (byte order mark)';
  if (b[0] !== 0 && b[1] === 0) return b[2] === 0 && b[3] === 0 ? 'UTF-32LE detected (no byte order mark)' : 'UTF-16LE detected (no byte order mark)';
  if (b[0] === 0 && b[1] !== 0) return 'UTF-16BE detected (no byte order mark)';
  if (b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] !== 0 && b.length >= 4) return 'UTF-32BE detected (no byte order mark)';
  return undefined;
}

/** The UTF-16 byte order mark that starts `b`, if any. */
export function utf16Bom(b: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  return b[0] === 0xfe && b[1] === 0xff ? 'utf-16be' : undefined;
}
