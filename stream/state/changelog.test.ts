import { describe, expect, it } from 'vitest';
import { PartitionChangelog } from './changelog.ts';

const policy = { entriesPerKey: 2, minEntries: 10 };

describe('PartitionChangelog', () => {
  it('starts with a compaction, then appends until the segment holds more than entriesPerKey x keys + minEntries', () => {
    const log = new PartitionChangelog(policy);
    const first = log.next(5);
    expect(first).toEqual({ epoch: 1, segment: 1, compact: true });
    log.taken(first, 5);
    // 5 entries in the segment, 5 keys: 5 <= 2 * 5 + 10.
    const second = log.next(5);
    expect(second).toEqual({ epoch: 2, segment: 1, compact: false });
    log.taken(second, 16);
    // 21 > 20: the next is a compaction, a new segment.
    expect(log.next(5)).toEqual({ epoch: 3, segment: 3, compact: true });
  });

  it('after a restore continues the segment, numbering above every epoch written', () => {
    const log = new PartitionChangelog(policy);
    log.restoredFrom({ nextOffset: 9, progress: '{}', epoch: 7, segment: 4, latestEpoch: 7 }, 12);
    expect(log.next(10)).toEqual({ epoch: 8, segment: 4, compact: false });
  });

  it('compacts first after a restore that found entries above the checkpoint, or a checkpoint of an older build', () => {
    const orphans = new PartitionChangelog(policy);
    orphans.restoredFrom({ nextOffset: 9, progress: '{}', epoch: 7, segment: 4, latestEpoch: 9 }, 12);
    expect(orphans.next(10)).toEqual({ epoch: 10, segment: 10, compact: true });
    const legacy = new PartitionChangelog(policy);
    legacy.restoredFrom({ nextOffset: 9, progress: '{}', epoch: 0, segment: 0, latestEpoch: 0 }, 0);
    expect(legacy.next(10)).toEqual({ epoch: 1, segment: 1, compact: true });
  });
});
