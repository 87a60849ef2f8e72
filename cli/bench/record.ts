// Where a bench run is recorded: bench-results/<run>.json, and a row of its table in BENCHMARKS.md
// (a table of its own for each kind of run, each row with the machine, the commit and the command).
import { execSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface RunRecord {
  date: string;
  machine: string;
  commit: string;
  command: string;
}

export function runRecord(command: string): RunRecord {
  return {
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    commit: commitOf(),
    command,
  };
}

function commitOf(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** A table of BENCHMARKS.md: the section that holds it and its columns. */
export interface BenchmarksTable {
  title: string;
  header: string[];
}

/** Writes the JSON result and adds `row` to `table` in BENCHMARKS.md. */
export async function recordRun(run: string, result: RunRecord, table: BenchmarksTable, row: string[]): Promise<void> {
  await mkdir('bench-results', { recursive: true });
  await writeFile(join('bench-results', `${run}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const path = 'BENCHMARKS.md';
  await writeFile(path, withTableRow(await readFile(path, 'utf8').catch(() => ''), table, row));
}

/** `markdown` with `row` after the last row of `table`, or with the table, as a new section at the end, holding `row`. */
export function withTableRow(markdown: string, table: BenchmarksTable, row: string[]): string {
  const header = `| ${table.header.join(' | ')} |`;
  const line = `| ${row.join(' | ')} |`;
  const lines = markdown.split('\n');
  const at = lines.indexOf(header);
  if (at < 0) return `${markdown}\n## ${table.title}\n\n${header}\n|${'---|'.repeat(table.header.length)}\n${line}\n`;
  let last = at + 1;
  while (lines[last + 1]?.startsWith('|')) last++;
  lines.splice(last + 1, 0, line);
  return lines.join('\n');
}
