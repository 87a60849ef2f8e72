// A stream of result chunks written to a new file, for exports and spooled reads.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Writes chunks to a new file (never an existing one) with backpressure; resolves with the bytes written. */
export async function writeChunks(chunks: AsyncIterable<Buffer>, file: string, onBytes: (bytes: number) => void = () => undefined): Promise<number> {
  const out = createWriteStream(file, { flags: 'wx' });
  const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error));
  failed.catch(() => undefined);
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      onBytes(bytes);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return bytes;
  } finally {
    out.destroy();
  }
}
