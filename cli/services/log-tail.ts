// The last lines of a log file, for error messages.
import { open, stat } from 'node:fs/promises';

const MAX_BYTES = 64 * 1024;

export async function logTail(file: string, lines = 40): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return '';
  }
  const length = Math.min(size, MAX_BYTES);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } finally {
    await handle.close();
  }
}

/** Tails of several logs, each under a header naming the file; empty logs are left out. */
export async function labelledTails(files: { file: string; lines: number }[]): Promise<string> {
  const parts: string[] = [];
  for (const { file, lines } of files) {
    const tail = await logTail(file, lines);
    if (tail) parts.push(`--- last ${lines} lines of ${file} ---\n${tail}`);
  }
  return parts.join('\n');
}
