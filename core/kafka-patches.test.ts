// Guards the kafkajs patches (patches/kafkajs+2.2.4.patch): the patched encoder, decoder and
// partitioner must give what kafkajs and Kafka's own client give. The whole pipeline's integration
// tests run through them too; these pin the edge values.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

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
});
