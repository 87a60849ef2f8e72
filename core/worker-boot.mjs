// Entry of the project's worker threads: plain JavaScript, so it starts without a loader; it
// registers tsx (as bin/salesinsights.js does) and then loads the TypeScript module named by
// `workerData.module` (a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
