// What aggregates/native-block.ts writes, read by the real ClickHouse engine: each value of each
// type the writers use, at the edges of its range, arrives as the engine's own value. The store's
// home has braces in its path, which the engine's FROM INFILE would read as a glob.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeBlockWriter, type NativeColumn } from '../../aggregates/native-block.ts';
import { openStore } from '../../aggregates/open-store.ts';
import type { Store } from '../../aggregates/store.ts';
import { queryRows } from '../../aggregates/query-rows.ts';
import { isolatedConfig, tempDir } from '../helpers.ts';

const config = isolatedConfig('native_block', { SALESINSIGHTS_HOME: tempDir('native{block}') });
let store: Store;

const COLUMNS: NativeColumn[] = [
  { name: 'n', type: 'UInt32' },
  { name: 'flag', type: 'UInt8' },
  { name: 'count', type: 'UInt64' },
  { name: 'id', type: 'UInt64' },
  { name: 'at', type: "DateTime('UTC')" },
  { name: 'ingested', type: "DateTime64(3, 'UTC')" },
  { name: 'price', type: 'Decimal(12, 2)' },
  { name: 'revenue', type: 'Decimal(18, 2)' },
  { name: 'text', type: 'String' },
  { name: 'label', type: 'String' },
];

interface Row {
  flag: number;
  count: number;
  id: bigint;
  atMs: number;
  ingestedMs: number;
  price: number;
  revenue: number;
  text: string | null;
}

const ROWS: Row[] = [
  { flag: 0, count: 0, id: 0n, atMs: 0, ingestedMs: 0, price: 0, revenue: 0, text: null },
  { flag: 255, count: Number.MAX_SAFE_INTEGER, id: 2n ** 64n - 1n, atMs: (2 ** 32 - 1) * 1000, ingestedMs: Date.UTC(2299, 11, 31, 23, 59, 59, 999), price: 999_999_999_999, revenue: Number.MAX_SAFE_INTEGER, text: 'x'.repeat(300) },
  { flag: 1, count: 2 ** 32, id: 9_007_199_254_740_993n, atMs: Date.UTC(2019, 9, 1, 0, 0, 1, 999), ingestedMs: Date.UTC(1900, 0, 1), price: -999_999_999_999, revenue: -Number.MAX_SAFE_INTEGER, text: 'tab\there, new\nline, back\\slash' },
  { flag: 7, count: 12_345, id: 1_602_943_681_873_052_386n, atMs: Date.UTC(2020, 1, 29, 23, 59, 59), ingestedMs: -1, price: 1_050, revenue: -1, text: 'ünïcode 🛒 \u0000 end' },
];

/** ClickHouse's text of a DateTime / DateTime64(3) in UTC. */
const dateTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
const dateTime64 = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
const decimal = (cents: number) => {
  const abs = BigInt(Math.abs(cents));
  return `${cents < 0 ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

beforeAll(async () => {
  store = openStore(config);
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${store.database}` });
  await store.client.command({
    query: `CREATE TABLE ${store.database}.native_check (n UInt32, flag UInt8, count UInt64, id UInt64, at DateTime('UTC'), ingested DateTime64(3, 'UTC'),
      price Decimal(12, 2), revenue Decimal(18, 2), text String, label LowCardinality(String)) ENGINE = MergeTree ORDER BY n`,
  });
});

afterAll(async () => {
  await store?.close();
});

describe('a Native block from NativeBlockWriter', () => {
  it('is read by the engine value for value, at the edges of every type', async () => {
    const out = new NativeBlockWriter(COLUMNS, 1);
    ROWS.forEach((r, i) =>
      out.uint(i).uint(r.flag).uint(r.count).id(r.id).seconds(r.atMs).millis(r.ingestedMs).cents(r.price).cents(r.revenue).text(r.text).text(`label ${i % 2}`).endRow(),
    );
    await store.insertNative('native_check', out.block());
    const stored = await queryRows<Record<string, string | number>>(
      store,
      `SELECT flag, toString(count) AS count, toString(id) AS id, toString(at) AS at, toString(ingested) AS ingested,
              toDecimalString(price, 2) AS price, toDecimalString(revenue, 2) AS revenue, text, label
       FROM ${store.database}.native_check ORDER BY n`,
    );
    expect(stored).toEqual(
      ROWS.map((r, i) => ({
        flag: r.flag,
        count: String(r.count),
        id: r.id.toString(),
        at: dateTime(r.atMs),
        ingested: dateTime64(r.ingestedMs),
        price: decimal(r.price),
        revenue: decimal(r.revenue),
        text: r.text ?? '',
        label: `label ${i % 2}`,
      })),
    );
  });
});
