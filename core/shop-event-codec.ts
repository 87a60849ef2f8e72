// The Avro binary body of a shop event in this build's schema (shop-event-v2), written and read
// field by field. avsc stays the authority (schemas, compatibility, records of any other writer
// schema go through its resolver) and the tests' oracle: on arbitrary events these bytes and
// values are avsc's. Written by hand because every event is encoded once and decoded once, and
// avsc's long type for bigint ids copies each id through an 8-byte Buffer.
import { BoundedMemo } from './bounded-memo.ts';
import { EVENT_TYPES, type EventType, type ShopEvent } from './event.ts';

/** Bytes of the fixed-size fields at most: five longs, two ints, an enum, three union indexes. */
const FIXED_BYTES = 5 * 10 + 2 * 5 + 1 + 3;
const TWO_31 = 2147483648;
const TWO_52 = 4503599627370496;
/** avsc's number long holds integers up to 2^53 - 2 in magnitude. */
const SAFE_LONG = 9007199254740990;
const EVENT_TYPE_INDEX: ReadonlyMap<string, number> = new Map(EVENT_TYPES.map((t, i) => [t, i]));

/** The most bytes the body of `e` can take (a UTF-16 unit is at most 3 UTF-8 bytes). */
export function maxShopEventBytes(e: ShopEvent): number {
  const text = (e.category_code?.length ?? 0) + (e.brand?.length ?? 0) + (e.user_session?.length ?? 0) + e.source_file.length + e.source_file_id.length;
  return FIXED_BYTES + 5 * 5 + 3 * text;
}

/** Writes the body of `e` at `pos` (room for maxShopEventBytes(e) is the caller's); returns its end. */
export function writeShopEvent(e: ShopEvent, buf: Buffer, pos: number): number {
  const typeIndex = EVENT_TYPE_INDEX.get(e.event_type);
  if (typeIndex === undefined) throw new TypeError(`not a shop event type: ${String(e.event_type)}`);
  pos = writeLongNumber(e.event_time, buf, pos);
  buf[pos++] = typeIndex << 1;
  pos = writeLongBigInt(e.product_id, buf, pos);
  pos = writeLongBigInt(e.category_id, buf, pos);
  pos = writeOptionalString(e.category_code, buf, pos);
  pos = writeOptionalString(e.brand, buf, pos);
  pos = writeInt(e.price_cents, buf, pos);
  pos = writeLongBigInt(e.user_id, buf, pos);
  pos = writeOptionalString(e.user_session, buf, pos);
  pos = writeString(e.source_file, buf, pos);
  pos = writeString(e.source_file_id, buf, pos);
  pos = writeInt(e.source_line, buf, pos);
  return writeLongNumber(e.ingested_at, buf, pos);
}

/** Thrown for bytes that are not a shop event body; the message says where it broke. */
export class ShopEventDecodeError extends Error {
  override name = 'ShopEventDecodeError';
}

/** Reads the body held by buf[start, end): exactly one event, nothing after it. */
export function readShopEvent(buf: Buffer, start: number, end: number): ShopEvent {
  const r = new BodyReader(buf, start, end);
  const event_time = r.longNumber();
  const event_type = r.eventType();
  const product_id = r.longBigInt();
  const category_id = r.longBigInt();
  const category_code = r.optionalString();
  const brand = r.optionalString();
  const price_cents = r.int();
  const user_id = r.longBigInt();
  const user_session = r.optionalString();
  const source_file = r.string();
  const source_file_id = r.string();
  const source_line = r.int();
  const ingested_at = r.longNumber();
  if (r.pos !== end) throw new ShopEventDecodeError(`${end - r.pos} bytes after the event`);
  return { event_time, event_type, product_id, category_id, category_code, brand, price_cents, user_id, user_session, source_file, source_file_id, source_line, ingested_at };
}

/** Zig-zag varint of an integer within avsc's number long (timestamps). */
function writeLongNumber(n: number, buf: Buffer, pos: number): number {
  if (!Number.isInteger(n) || n < -SAFE_LONG || n > SAFE_LONG) throw new TypeError(`not a long avsc can hold as a number: ${n}`);
  if (n >= 0 && n <= TWO_52) return writeUnsigned(n * 2, buf, pos);
  // The zig-zag value 2m + sign may be odd and above 2^53: written from its two halves.
  const m = n >= 0 ? n : -n - 1;
  return writeUnsigned64(Math.floor(m / TWO_31), (m % TWO_31) * 2 + (n < 0 ? 1 : 0), buf, pos);
}

/** Varints of ids beyond 2^52, by id: taking one apart costs several bigint operations. */
const largeIdVarints = new BoundedMemo<bigint, Buffer>();

/** Zig-zag varint of a 64-bit signed bigint (the ids). */
function writeLongBigInt(n: bigint, buf: Buffer, pos: number): number {
  const v = Number(n);
  if (v >= 0 && v <= Number.MAX_SAFE_INTEGER / 2) return writeUnsigned(v * 2, buf, pos);
  let varint = largeIdVarints.get(n);
  if (varint === undefined) {
    if (n < -(1n << 63n) || n >= 1n << 63n) throw new RangeError(`long out of range: ${n}`);
    const zigzag = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    const bytes = Buffer.allocUnsafe(10);
    varint = largeIdVarints.set(n, bytes.subarray(0, writeUnsigned64(Number(zigzag >> 32n), Number(zigzag & 0xffffffffn), bytes, 0)));
  }
  for (let i = 0; i < varint.length; i++) buf[pos + i] = varint[i]!;
  return pos + varint.length;
}

/** Varint of an unsigned integer below 2^53. */
function writeUnsigned(n: number, buf: Buffer, pos: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Varint of the unsigned 64-bit integer hi * 2^32 + lo. */
function writeUnsigned64(hi: number, lo: number, buf: Buffer, pos: number): number {
  while (hi !== 0 || lo >= 128) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

function writeInt(n: number, buf: Buffer, pos: number): number {
  if (!Number.isInteger(n) || n < -TWO_31 || n >= TWO_31) throw new TypeError(`not a 32-bit int: ${n}`);
  return writeUnsigned(n >= 0 ? n * 2 : -n * 2 - 1, buf, pos);
}

function writeOptionalString(s: string | null, buf: Buffer, pos: number): number {
  if (s === null) {
    buf[pos] = 0;
    return pos + 1;
  }
  buf[pos] = 2;
  return writeString(s, buf, pos + 1);
}

/** Length-prefixed UTF-8. ASCII, nearly every string, is copied here; the rest by Buffer. */
function writeString(s: string, buf: Buffer, pos: number): number {
  const n = s.length;
  let ascii = n < 64;
  if (ascii) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      buf[pos + 1 + i] = c;
    }
  }
  if (ascii) {
    buf[pos] = n << 1;
    return pos + 1 + n;
  }
  const bytes = Buffer.byteLength(s, 'utf8');
  pos = writeUnsigned(bytes * 2, buf, pos);
  return pos + buf.write(s, pos, bytes, 'utf8');
}

/** Decoded ids beyond 2^52 by the low half of their varint (checked against the high half). */
const largeIds = new BoundedMemo<number, { hi: number; id: bigint }>();

class BodyReader {
  /** The low 32 bits of the last unsigned64(). */
  private lo = 0;

  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  /** An unsigned varint as hi * 2^32 + lo: returns hi, leaves lo in `this.lo`. */
  private unsigned64(): number {
    const { buf, end } = this;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= end) throw new ShopEventDecodeError('the record ends inside a number');
      const b = buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else if (shift < 64) hi |= (b & 0x7f) << (shift - 32);
      else throw new ShopEventDecodeError('a varint longer than 10 bytes');
      shift += 7;
      if (b < 0x80) break;
    }
    this.lo = lo >>> 0;
    return hi >>> 0;
  }

  /** A zig-zag long as a number, refused where avsc's number long refuses it. */
  longNumber(): number {
    const hi = this.unsigned64();
    const n = this.zigzagHalf(hi);
    if (hi >= 0x400000 || n < -SAFE_LONG || n > SAFE_LONG) throw new ShopEventDecodeError('a timestamp beyond 2^53 milliseconds');
    return n;
  }

  /** The signed value of the zig-zag varint hi * 2^32 + lo, exact while hi < 2^22. */
  private zigzagHalf(hi: number): number {
    const half = hi * TWO_31 + (this.lo >>> 1);
    return this.lo & 1 ? -half - 1 : half;
  }

  longBigInt(): bigint {
    const hi = this.unsigned64();
    const lo = this.lo;
    if (hi < 0x400000) return BigInt(this.zigzagHalf(hi));
    const known = largeIds.get(lo);
    if (known !== undefined && known.hi === hi) return known.id;
    const zigzag = (BigInt(hi) << 32n) | BigInt(lo);
    return largeIds.set(lo, { hi, id: lo & 1 ? -(zigzag >> 1n) - 1n : zigzag >> 1n }).id;
  }

  int(): number {
    const hi = this.unsigned64();
    if (hi !== 0) throw new ShopEventDecodeError('an int beyond 32 bits');
    const lo = this.lo;
    return lo & 1 ? -(lo + 1) / 2 : lo / 2;
  }

  eventType(): EventType {
    const i = this.int();
    const type = EVENT_TYPES[i];
    if (type === undefined) throw new ShopEventDecodeError(`event_type index ${i} is not a symbol`);
    return type;
  }

  string(): string {
    const n = this.int();
    const from = this.pos;
    if (n < 0 || from + n > this.end) throw new ShopEventDecodeError('the record ends inside a string');
    this.pos = from + n;
    return this.buf.toString('utf8', from, from + n);
  }

  optionalString(): string | null {
    const branch = this.int();
    if (branch === 0) return null;
    if (branch !== 1) throw new ShopEventDecodeError(`union branch ${branch} is not null or string`);
    return this.string();
  }
}
