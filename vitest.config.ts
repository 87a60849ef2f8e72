import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The local Kafka broker and schema registry come up once for the whole run.
    globalSetup: ['test/global-setup.ts'],
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'scratch/**'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Integration files share one broker; two at a time keeps a 2-core machine responsive.
    maxWorkers: 2,
    minWorkers: 1,
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  },
});
