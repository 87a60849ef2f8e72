// Rows written straight into the embedded store for the query and export tests (no pipeline), and
// the comparison of an exported file with its table, read back by ClickHouse itself.
import type { Store } from '../aggregates/store.ts';

/**
 * `n` events whose values test every format: ids above 2^53, empty strings, a brand with a comma,
 * quotes and a line break, prices with cents, and times across days.
 */
export async function seedEvents(store: Store, n: number, file = 'seed.csv'): Promise<void> {
  await store.client.command({
    query: `INSERT INTO ${store.database}.events_data (event_time, event_type, product_id, category_id, category_code, brand, price,
                                                      user_id, user_session, source_file, source_line, ingested_at)
      SELECT toDateTime('2019-10-01 00:00:00', 'UTC') + number * 37,
             ['view', 'cart', 'remove_from_cart', 'purchase'][number % 4 + 1],
             1000 + number % 50,
             toUInt64('9007199254740993') + number,
             if(number % 3 = 0, '', 'appliances.kitchen'),
             if(number % 5 = 0, 'brand, "quoted"\\nline', 'plain'),
             toDecimal64((number % 1000) / 100, 2),
             500000000 + number,
             concat('s-', toString(number % 7)),
             {file:String},
             number + 2,
             toDateTime64('2020-01-01 00:00:00.123', 3, 'UTC')
      FROM numbers({n:UInt64})`,
    query_params: { n, file },
  });
}

/** The text of a query's answer (the store's own client: no read-only rule, file() allowed). */
export async function answer(store: Store, query: string): Promise<string> {
  const result = await store.client.query({ query, format: 'JSONEachRow' });
  return result.text();
}

const FILE_FORMATS = { parquet: 'Parquet', csv: 'CSVWithNames', jsonl: 'JSONEachRow' } as const;

/** The rows of an exported file read back with the table's own column types, ordered, as JSON lines. */
export async function fileRows(store: Store, file: string, format: keyof typeof FILE_FORMATS, table: string, orderBy: string): Promise<string> {
  const columns = await store.client.query({
    query: 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
    query_params: { db: store.database, t: table },
    format: 'JSONEachRow',
  });
  const structure = (await columns.json<{ name: string; type: string }>()).map((c) => `${c.name} ${c.type}`).join(', ');
  const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return answer(store, `SELECT * FROM file(${literal(file)}, ${FILE_FORMATS[format]}, ${literal(structure)}) ORDER BY ${orderBy}`);
}
