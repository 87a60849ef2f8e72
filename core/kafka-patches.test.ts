// Guards the kafkajs patches (patches/kafkajs+2.2.4.patch): the patched encoder, decoder and
// partitioner must give what kafkajs and Kafka's own client give. The whole pipeline's integration
// tests run through them too; these pin the edge values.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);

interface KafkaEncoder {
  writeVarInt(value: number): KafkaEncoder;
  writeVarLong(value: number): KafkaEncoder;
  buffer: Buffer;
}
interface KafkaDecoder {
  readVarLong(): number | { toString(): string };
  offset: number;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as { new (): KafkaEncoder; sizeOfVarLong(value: number): number };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkaDecoder;
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string | Buffer) => number;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Array<{ key: string; partition: number }>;
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<number, Array<{ key: string }>>;

type Headers = Record<string, Buffer | Buffer[]>;
interface RecordIn {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Headers;
}
interface ConsumedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  magicByte: number;
  attributes: number;
  isControlRecord: boolean;
}
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: RecordIn) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (batch: { firstOffset: unknown; firstTimestamp: number; maxTimestamp: number; lastOffsetDelta: number; records: unknown[] }) => Promise<{ buffer: Buffer }> };
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: KafkaDecoder) => Promise<{ records: ConsumedRecord[] }>;

const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as ((buffer: Buffer) => number) & { portable: (buffer: Buffer) => number };
const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown };
const produceRequestV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: object) => unknown;
const createRequest = require('kafkajs/src/protocol/request.js') as (args: { correlationId: number; clientId: string; request: unknown }) => Promise<{ buffer: Buffer }>;

interface ProduceMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string | string[]>;
  timestamp?: number;
}

/** Messages of every shape a produce request takes: Buffer and string keys and values, nulls, headers, timestamps. */
function produceMessages(n: number, tag: string): ProduceMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 3 ? Buffer.from(`k${i}${tag}`) : `key-${i}`,
    value: i % 5 ? Buffer.from('v'.repeat(i % 200) + tag) : i % 10 ? `välue-${i}` : null,
    ...(i % 7 ? {} : { headers: { h: 'x', hh: ['1', '2'] } }),
    ...(i % 4 ? {} : { timestamp: 1_700_000_000_000 + i }),
  }));
}

/** CRC-32C a bit at a time, from its definition (reflected polynomial 0x82F63B78). */
function crc32CByBits(buffer: Buffer): number {
  let crc = ~0;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

const hex = (b: Buffer) => b.toString('hex');

describe('kafkajs patches', () => {
  it("murmur2 gives the hashes of Kafka's own client (its UtilsTest vectors)", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it('writes zigzag varlongs byte for byte, small ones and Long-sized ones', () => {
    const bytes = (v: number) => hex(new Encoder().writeVarLong(v).buffer);
    expect(bytes(0)).toBe('00');
    expect(bytes(-1)).toBe('01');
    expect(bytes(1)).toBe('02');
    expect(bytes(-64)).toBe('7f');
    expect(bytes(64)).toBe('8001');
    expect(bytes(300)).toBe('d804');
    expect(bytes(2 ** 30 - 1)).toBe('feffffff07');
    expect(bytes(-(2 ** 30))).toBe('ffffffff07');
    expect(bytes(2 ** 30)).toBe('8080808008');
    expect(bytes(2 ** 40)).toBe('808080808040');
    expect(hex(new Encoder().writeVarInt(300).buffer)).toBe('d804');
    for (const v of [0, 63, 64, 8191, 8192, 2 ** 30 - 1, 2 ** 30, 2 ** 40]) {
      expect(Encoder.sizeOfVarLong(v)).toBe(new Encoder().writeVarLong(v).buffer.length);
    }
  });

  it('reads back every varlong it writes, and stops right after it', () => {
    const values = [0, 1, -1, 63, -64, 64, 8191, -8192, 2 ** 27 - 1, -(2 ** 27), 2 ** 27, 2 ** 30, -(2 ** 40), 1_700_000_000_123];
    for (const v of values) {
      const decoder = new Decoder(Buffer.concat([new Encoder().writeVarLong(v).buffer, Buffer.from([0x55])]));
      expect(decoder.readVarLong().toString()).toBe(String(v));
      expect(decoder.offset).toBe(Encoder.sizeOfVarLong(v));
    }
  });

  it('groups messages by partition in their order', () => {
    const messages = [0, 1, 0, 2, 1, 0].map((partition, i) => ({ key: `m${i}`, partition }));
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message }) => message.partition });
    expect(Object.fromEntries(Object.entries(grouped).map(([p, ms]) => [p, ms.map((m) => m.key)]))).toEqual({ 0: ['m0', 'm2', 'm5'], 1: ['m1', 'm4'], 2: ['m3'] });
  });

  it('reads consumed records in place with the keys, values, headers, offsets and timestamps written', async () => {
    const written: RecordIn[] = [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('595414620'), value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]) },
      { offsetDelta: 1, timestampDelta: 70, key: null, value: Buffer.alloc(0) },
      { offsetDelta: 2, timestampDelta: -5, key: Buffer.alloc(0), value: null, headers: { a: Buffer.from('1'), b: [Buffer.from('x'), Buffer.from('y')] } },
      { offsetDelta: 3, timestampDelta: 2 ** 31, key: Buffer.from('k'), value: Buffer.alloc(300, 9) },
    ];
    const firstOffset = '9007199254740000';
    const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): unknown };
    const batch = { firstOffset: Long.fromString(firstOffset), firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000, lastOffsetDelta: 3 };
    const encoded = await RecordBatch({ ...batch, records: written.map((r) => Record(r)) });
    // Records given by their fields are written straight into the batch: the same bytes.
    expect(hex((await RecordBatch({ ...batch, records: written })).buffer)).toBe(hex(encoded.buffer));
    // A fetch response holds the batch's bytes among others: decode it from inside a larger buffer.
    const decoder = new Decoder(Buffer.concat([encoded.buffer, Buffer.from([1, 2, 3])]));
    const { records } = await decodeRecordBatch(decoder);
    expect(records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key && hex(r.key), value: r.value && hex(r.value), headers: r.headers, magicByte: r.magicByte, attributes: r.attributes, isControlRecord: r.isControlRecord }))).toEqual([
      { offset: '9007199254740000', timestamp: '1700000000000', key: hex(Buffer.from('595414620')), value: '0000000007010203', headers: {}, magicByte: 2, attributes: 0, isControlRecord: false },
      { offset: '9007199254740001', timestamp: '1700000000070', key: null, value: '', headers: {}, magicByte: 2, attributes: 0, isControlRecord: false },
      { offset: '9007199254740002', timestamp: '1699999999995', key: '', value: null, headers: { a: Buffer.from('1'), b: [Buffer.from('x'), Buffer.from('y')] }, magicByte: 2, attributes: 0, isControlRecord: false },
      { offset: '9007199254740003', timestamp: String(1_700_000_000_000 + 2 ** 31), key: hex(Buffer.from('k')), value: hex(Buffer.alloc(300, 9)), headers: {}, magicByte: 2, attributes: 0, isControlRecord: false },
    ]);
    expect(Buffer.isBuffer(records[0]!.value)).toBe(true);
    expect(JSON.parse(JSON.stringify(records[1]))).toMatchObject({ offset: '9007199254740001', key: null, headers: {} });
  });

  it('encodes whole produce requests byte for byte as unpatched kafkajs 2.2.4 does', async () => {
    // The SHA-256 of each request as the unpatched kafkajs 2.2.4 (from the npm registry) encodes
    // it, with the clock at the same instant: the patched request writes each record batch into
    // one encoder and copies it once, and must not change a byte.
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const cases: Array<[object, string]> = [
      [
        { transactionalId: null, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 5, messages: produceMessages(1000, 'a') }] }] },
        '44ecccd2fc489361a98b98fea5de01444905d8575bbde82dcbea99106e22b8af',
      ],
      [
        {
          transactionalId: 'tx-1',
          topicData: [
            { topic: 'tö', partitions: [{ partition: 0, firstSequence: 0, messages: produceMessages(3, 'b') }, { partition: 3, firstSequence: 9, messages: [{ key: null, value: Buffer.alloc(300_000, 7) }] }] },
            { topic: 'u', partitions: [{ partition: 1, firstSequence: 1, messages: produceMessages(8000, 'c') }] },
          ],
        },
        '4bdde7dd4d7a308b34252a8707f94bfff50b2d35f9726ac47151e1e51e1d53bd',
      ],
    ];
    try {
      for (const [args, sha256] of cases) {
        const request = produceRequestV3({ acks: -1, timeout: 30_000, producerId: Long.fromInt(4242), producerEpoch: 3, compression: 0, ...args });
        const { buffer } = await createRequest({ correlationId: 77, clientId: 'client-é', request });
        expect(createHash('sha256').update(buffer).digest('hex')).toBe(sha256);
      }
    } finally {
      vi.restoreAllMocks();
    }
  });

  it.each([
    ['native (@node-rs/crc32)', crc32C],
    ['portable (slicing-by-8)', crc32C.portable],
  ])('computes CRC-32C as its definition does, for every length remainder: %s', (_, crc) => {
    expect(crc(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc(Buffer.alloc(0))).toBe(0);
    let seed = 7;
    const byte = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    for (let length = 1; length <= 70; length++) {
      const buffer = Buffer.from(Array.from({ length }, byte));
      expect(crc(buffer)).toBe(crc32CByBits(buffer));
      // A view into a larger buffer, as the encoder hands it over.
      expect(crc(Buffer.concat([Buffer.from([1, 2, 3]), buffer]).subarray(3))).toBe(crc32CByBits(buffer));
    }
  });

  it('uses the native CRC-32C on this machine', () => {
    expect(crc32C).not.toBe(crc32C.portable);
  });
});
