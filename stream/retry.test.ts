import { describe, expect, it } from 'vitest';
import { logger } from '../core/logger.ts';
import { withRetry, WriteRetries } from './retry.ts';

describe('withRetry', () => {
  it("puts its job's status at retrying with the failure while it retries, and back at running once the write went through", async () => {
    const retries = new WriteRetries();
    const seen: string[] = [];
    retries.status.onChange((view) => seen.push(`${view.state}${view.reason ? `: ${view.reason}` : ''}`));
    let calls = 0;
    const value = await withRetry(logger, 'store write', async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return 'written';
    }, retries);
    expect(value).toBe('written');
    expect(seen).toEqual([
      'retrying: store write failed (attempt 1, retrying): ENOSPC: no space left on device, write',
      'retrying: store write failed (attempt 2, retrying): ENOSPC: no space left on device, write',
      'running',
    ]);
  });
});
