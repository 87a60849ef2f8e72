// Entry of the project's worker threads: plain JavaScript, so it starts without a loader; for a
// TypeScript module it registers tsx (as bin/salesinsights.js does without a build), then loads
// the module named by `workerData.module` (a file URL; .js in the build).
import { workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.module);
