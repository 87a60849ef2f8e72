import { describe, expect, it } from 'vitest';
import { clusterId } from './kafka-broker.ts';

describe('clusterId', () => {
  it('is 22 characters of URL-safe base64 and never starts with "-", which the storage tool would read as an option', () => {
    // About 1 in 64 random ids starts with '-': 20,000 draws meet hundreds of them.
    for (let i = 0; i < 20_000; i++) {
      const id = clusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});
