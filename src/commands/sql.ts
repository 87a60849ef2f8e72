// sql "<query>": read-only, enforced by ClickHouse itself (readonly=1), JSONEachRow on stdout.
import type { Store } from '../../aggregates/store.ts';

export class ReadOnlyQueryError extends Error {
  override name = 'ReadOnlyQueryError';
}

const READ_STATEMENT = /^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;

export async function runReadOnlyQuery(store: Store, query: string, write: (chunk: string) => void): Promise<number> {
  const trimmed = query.trim().replace(/;\s*$/, '');
  if (!READ_STATEMENT.test(trimmed) || trimmed.includes(';')) {
    throw new ReadOnlyQueryError('sql runs one read-only statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)');
  }
  const result = await store.client.query({
    query: trimmed,
    format: 'JSONEachRow',
    clickhouse_settings: { readonly: '1' },
  });
  let rows = 0;
  for await (const batch of result.stream()) {
    for (const row of batch) {
      write(`${row.text}\n`);
      rows += 1;
    }
  }
  return rows;
}
