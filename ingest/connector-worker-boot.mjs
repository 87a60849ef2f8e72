// Entry of the connector thread: plain JavaScript, so it starts without a loader; it registers
// tsx (as bin/salesinsights.js does) and then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./connector-worker.ts');
