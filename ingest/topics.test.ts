import { describe, expect, it } from 'vitest';
import type { ITopicMetadata } from 'kafkajs';
import { partitionMismatch } from './topics.ts';

const topic = (name: string, count: number): ITopicMetadata => ({
  name,
  partitions: Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 })),
});

describe('partitionMismatch', () => {
  it('accepts topics that all hold the wanted count', () => {
    expect(partitionMismatch([topic('ns.events', 6), topic('ns.events-late', 6)], 6)).toBeUndefined();
  });

  it('names the first topic with another count, the count it has and the setting to change, in one line', () => {
    const e = partitionMismatch([topic('ns.events', 4), topic('ns.events-late', 4)], 6);
    expect(e).toMatchObject({ name: 'PartitionCountError', setting: 'SALESINSIGHTS_PARTITIONS', topic: 'ns.events', found: 4, wanted: 6 });
    expect(e?.message).toMatch(/^SALESINSIGHTS_PARTITIONS: is 6, but topic ns\.events exists with 4 partitions; .*set SALESINSIGHTS_PARTITIONS=4, or use another SALESINSIGHTS_NAMESPACE/);
    expect(e?.message).not.toContain('\n');
  });
});
