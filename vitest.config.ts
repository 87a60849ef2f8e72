import { defineConfig } from 'vitest/config';

// Two projects: `unit` (the *.test.ts beside the code: no services) and `integration`
// (test/integration/: the real broker, registry and ClickHouse engine, brought up by the global
// setup). `npm test` runs both; `npm run test:unit` runs `--project unit` alone.
// The test workers inherit it: a process sizes libuv's thread pool once, at its first use (see
// bin/salesinsights.js), and the store's read gates are sized by it.
process.env.UV_THREADPOOL_SIZE ??= '64';

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Integration files share one broker; two at a time keeps a 2-core machine responsive.
    maxWorkers: 2,
    minWorkers: 1,
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'scratch/**', 'test/integration/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The local Kafka broker and schema registry come up once for the whole run.
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
