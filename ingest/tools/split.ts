// Splits a month file of the real dataset into daily YYYY-MM-DD.csv slices, streaming.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export async function split(input: string, out: string): Promise<Record<string, number>> {
  // An input that cannot be read fails before the output folder is made.
  await (await open(input)).close();
  await mkdir(out, { recursive: true });
  const lines = createInterface({ input: createReadStream(input), crlfDelay: Infinity });
  const writers = new Map<string, WriteStream>();
  const counts: Record<string, number> = {};
  let header: string | undefined;
  for await (const raw of lines) {
    const line = header === undefined ? raw.replace(/^\uFEFF/, '') : raw;
    if (header === undefined) {
      header = line;
      continue;
    }
    if (line.trim() === '') continue;
    // event_time leads each row of the dataset; rows without a date go to a slice of their own.
    const dayKey = /^"?(\d{4}-\d{2}-\d{2})/.exec(line)?.[1] ?? 'undated';
    let w = writers.get(dayKey);
    if (!w) {
      w = createWriteStream(join(out, `${dayKey}.csv`));
      w.write(`${header}\n`);
      writers.set(dayKey, w);
    }
    counts[dayKey] = (counts[dayKey] ?? 0) + 1;
    if (!w.write(`${line}\n`)) await once(w, 'drain');
  }
  await Promise.all([...writers.values()].map(async (w) => { w.end(); await once(w, 'finish'); }));
  return counts;
}
