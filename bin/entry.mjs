// The CLI, once bin/salesinsights.js has sized the thread pool: the compiled JavaScript of the current sources when it is built (bin/build.mjs,
// run by npm install), otherwise the TypeScript itself through tsx (after an edit, or an install
// without dev dependencies), so an edited source is never shadowed by an older build.
import { builtEntry } from './build.mjs';

const built = builtEntry();
if (built) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
