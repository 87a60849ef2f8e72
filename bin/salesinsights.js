#!/usr/bin/env node
// The CLI entry. CommonJS (bin/package.json): libuv sizes its thread pool once, at its first use,
// and the ES module loader uses it before an ES module's first line runs. The embedded engine runs
// every call on that pool, and the store's read gates are sized from it (README, UV_THREADPOOL_SIZE).
'use strict';

process.env.UV_THREADPOOL_SIZE ??= '64';
import('./entry.mjs');
