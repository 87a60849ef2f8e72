// Rows inserted as blocks of the Native format, a block every few MB.
import { NativeBlockWriter, type NativeColumn, type NativeType } from './native-block.ts';
import type { Store } from './store.ts';

export const columns = (spec: [string, NativeType][]): NativeColumn[] => spec.map(([name, type]) => ({ name, type }));

/** Bytes one insert holds at most: a larger output (the burst at the end of input) goes in several. */
const INSERT_MAX_BYTES = 16 * 1024 * 1024;

/** Inserts the rows, each written into the block by `row`. */
export async function insertRows<T>(store: Store, table: string, spec: NativeColumn[], rows: T[], row: (out: NativeBlockWriter, row: T) => void): Promise<void> {
  const out = new NativeBlockWriter(spec);
  for (const r of rows) {
    row(out, r);
    out.endRow();
    if (out.byteLength >= INSERT_MAX_BYTES) {
      await store.insertNative(table, out.block());
      out.clear();
    }
  }
  if (out.rows > 0) await store.insertNative(table, out.block());
}
