#!/usr/bin/env node
// The compiled JavaScript the CLI runs (npm install runs this as `prepare`): tsc turns the
// TypeScript into dist/<hash>/, beside copies of the files the code reads next to itself (Avro
// schemas, migrations, the dashboard's page, the worker-thread boot, package.json). <hash> is
// the sources' content hash, so a build is only ever run for the very sources it was made from:
// bin/salesinsights.js hashes them and, after an edit, runs the TypeScript through tsx instead.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['core', 'cli', 'ingest', 'stream', 'aggregates', 'dashboard'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Read beside the code at run time (the bench hashes the generator's source): copied into the build as they are. */
const ASSETS = ['core/schemas', 'core/worker-boot.mjs', 'aggregates/migrations', 'dashboard/public', 'package.json', 'ingest/tools/generate.ts'];
/** A complete build has this file; it is written last. */
const COMPLETE = '.complete';
/** Builds for other sources are removed once this old (a running process may still load from one). */
const KEEP_MS = 24 * 3_600_000;

function sourceFiles(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The content hash of every file a build is made from (tests aside). */
export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [...SOURCE_DIRS.flatMap(sourceFiles).sort(), ...SOURCE_FILES]) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The CLI's entry in the build of the current sources, or undefined when there is none. */
export function builtEntry() {
  const dir = join(ROOT, 'dist', sourceHash());
  return existsSync(join(dir, COMPLETE)) ? join(dir, 'cli', 'main.js') : undefined;
}

/**
 * Builds the current sources unless built already; returns the build's folder, or undefined when
 * TypeScript is not installed (an install without dev dependencies runs the sources through tsx).
 */
export function build() {
  const hash = sourceHash();
  const dist = join(ROOT, 'dist');
  const target = join(dist, hash);
  if (existsSync(join(target, COMPLETE))) return target;
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
  // Built aside and renamed when complete: a CLI started meanwhile never sees half a build.
  const partial = join(dist, `.${hash}.${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', partial], { cwd: ROOT, encoding: 'utf8' });
  // 2: type errors, but every file emitted (`npm run typecheck` reports those); 1: nothing emitted.
  if (run.status !== 0 && !(run.status === 2 && existsSync(join(partial, 'cli', 'main.js')))) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`tsc failed (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
  }
  for (const asset of ASSETS) cpSync(join(ROOT, asset), join(partial, asset), { recursive: true });
  // A source edited while tsc ran: the build may hold either version, so it is not kept.
  if (sourceHash() !== hash) {
    rmSync(partial, { recursive: true, force: true });
    return undefined;
  }
  writeFileSync(join(partial, COMPLETE), `${new Date().toISOString()}\n`);
  try {
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    // Another build of the same sources finished first.
    if (!existsSync(join(target, COMPLETE))) throw err;
  }
  prune(dist, hash);
  return target;
}

function prune(dist, keep) {
  for (const name of readdirSync(dist)) {
    const path = join(dist, name);
    if (name !== keep && Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
  }
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const built = build();
  process.stdout.write(built ? `built ${relative(ROOT, built)}\n` : 'not built (TypeScript is not installed, or a source changed meanwhile): the CLI runs the sources through tsx\n');
}
