#!/usr/bin/env node
// The CLI entry: the compiled JavaScript of the current sources when it is built (bin/build.js,
// run by npm install), otherwise the TypeScript itself through tsx (after an edit, or an install
// without dev dependencies), so an edited source is never shadowed by an older build.
import { builtEntry } from './build.js';

const built = builtEntry();
if (built) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
