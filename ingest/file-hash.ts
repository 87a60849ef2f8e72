import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * sha256 of a file's first `size` bytes (the ledger's identity of a file, whatever its name),
 * streamed, plus the hash of each shorter prefix asked for in `cuts`: how a grown file is
 * matched to the ledger entry of the part already ingested. `bytes` says how many were there.
 */
export async function hashPrefixes(
  handle: FileHandle,
  size: number,
  cuts: readonly number[] = [],
): Promise<{ hash: string; prefixes: Map<number, string>; bytes: number }> {
  const hash = createHash('sha256');
  const prefixes = new Map<number, string>();
  const pending = [...new Set(cuts)].filter((c) => c >= 0 && c < size).sort((a, b) => a - b);
  let offset = 0;
  const snapshot = () => {
    while (pending.length > 0 && pending[0] === offset) prefixes.set(pending.shift()!, hash.copy().digest('hex'));
  };
  snapshot();
  if (size > 0) {
    for await (const data of handle.createReadStream({ start: 0, end: size - 1, autoClose: false })) {
      let chunk = data as Buffer;
      while (chunk.length > 0) {
        const take = Math.min(chunk.length, (pending[0] ?? Infinity) - offset);
        hash.update(chunk.subarray(0, take));
        offset += take;
        chunk = chunk.subarray(take);
        snapshot();
      }
    }
  }
  return { hash: hash.digest('hex'), prefixes, bytes: offset };
}
