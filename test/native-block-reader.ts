// Reads a block of ClickHouse's Native format back into values, for the unit tests of what
// aggregates/native-block.ts writes (the integration tests check the same bytes against the
// engine's own). Times come back as epoch milliseconds, decimals as cents, UInt64 as bigint.

import type { NativeBlock } from '../aggregates/native-block.ts';

export type NativeValue = number | bigint | string;

export function readNativeBlock(block: NativeBlock): Record<string, NativeValue[]> {
  const bytes = Buffer.concat(block.pieces);
  let at = 0;
  const varUInt = () => {
    let n = 0;
    for (let shift = 1; ; shift *= 0x80) {
      const b = bytes[at++]!;
      n += (b & 0x7f) * shift;
      if (b < 0x80) return n;
    }
  };
  const string = () => {
    const length = varUInt();
    at += length;
    return bytes.toString('utf8', at - length, at);
  };
  const columns = varUInt();
  const rows = varUInt();
  const out: Record<string, NativeValue[]> = {};
  for (let c = 0; c < columns; c++) {
    const name = string();
    const type = string();
    const values: NativeValue[] = [];
    for (let r = 0; r < rows; r++) values.push(readValue(type));
    out[name] = values;
  }
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the block`);
  return out;

  function readValue(type: string): NativeValue {
    const start = at;
    switch (type) {
      case 'UInt8':
        at += 1;
        return bytes.readUInt8(start);
      case 'UInt32':
        at += 4;
        return bytes.readUInt32LE(start);
      case 'UInt64':
        at += 8;
        return bytes.readBigUInt64LE(start);
      case 'Float64':
        at += 8;
        return bytes.readDoubleLE(start);
      case "DateTime('UTC')":
        at += 4;
        return bytes.readUInt32LE(start) * 1000;
      case "DateTime64(3, 'UTC')":
      case 'Decimal(12, 2)':
      case 'Decimal(18, 2)':
        at += 8;
        return Number(bytes.readBigInt64LE(start));
      case 'String':
        return string();
      default:
        throw new Error(`no reader for ${type}`);
    }
  }
}
