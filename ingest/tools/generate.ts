// Realistic synthetic daily slices of the cosmetics-shop dataset: the event mix, exact
// duplicates, empty category codes and brands, 19-digit category ids, sessions of several
// events per user and a daily traffic curve. Deterministic for a seed.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { EVENT_TYPES, formatCents } from '../../core/event.ts';
import { SeededRandom } from './random.ts';

export const CSV_HEADER = 'event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session';

/** Target mix of event types (view, cart, remove_from_cart, purchase). */
export const EVENT_MIX = [0.45, 0.28, 0.2, 0.07] as const;
export const DUPLICATE_SHARE = 0.17;
/** Sessions that are a user's return to their previous session (its id again, later). */
const RETURN_SHARE = 0.1;
export const EMPTY_BRAND_SHARE = 0.4;
/** Relative traffic per hour of the day (UTC): quiet nights, an evening peak. */
const HOURLY_TRAFFIC = [2, 1.5, 1, 1, 1, 1.5, 3, 4, 5, 6, 6.5, 7, 7, 7, 7, 7, 7.5, 8, 9, 10, 9, 7, 5, 3];

const BRANDS = ['runail', 'irisk', 'masura', 'grattol', 'bpw.style', 'ingarden', 'estel', 'kapous', 'jessnail', 'uno', 'freedecor', 'concept', 'italwax', 'shik', 'lianail'];
const CATEGORY_CODES = ['appliances.environment.vacuum', 'furniture.bathroom.bath', 'stationery.cartrige', 'apparel.glove', 'accessories.bag'];

export interface GenerateOptions {
  days: number;
  rowsPerDay: number;
  out: string;
  seed?: number;
  /** First day, YYYY-MM-DD (the dataset starts on 2019-10-01). */
  startDay?: string;
  /** One file per hour of event time (YYYY-MM-DD-HH.csv; hours without rows have none) instead of per day. */
  hourly?: boolean;
  /**
   * N times the user population for the same rows (1 by default): users are drawn with the same
   * skew over a population N times larger. Each session is one user's, so the users (and buyers)
   * seen grow about N times only while there are sessions (and buying sessions) enough to reach them.
   */
  usersScale?: number;
}

interface Product {
  id: number;
  categoryId: string;
  categoryCode: string;
  brand: string;
  priceCents: number;
}

function catalogue(rng: SeededRandom, size: number): Product[] {
  const categories = Array.from({ length: Math.max(10, Math.floor(size / 20)) }, () =>
    // 19-digit ids above 2^53, like the real 1602943681873052386.
    `${rng.int(1, 3)}${String(rng.int(0, 1e9)).padStart(9, '0')}${String(rng.int(0, 1e9)).padStart(9, '0')}`,
  );
  return Array.from({ length: size }, (_, i) => ({
    id: 3_700_000 + i * 7 + rng.int(0, 7),
    categoryId: categories[rng.skewed(categories.length, 1.5)]!,
    categoryCode: rng.next() < 0.05 ? CATEGORY_CODES[rng.int(0, CATEGORY_CODES.length)]! : '',
    brand: BRANDS[rng.skewed(BRANDS.length, 1.5)]!,
    priceCents: Math.max(5, Math.round(Math.exp(rng.next() * 4 + 0.2) * 100)),
  }));
}

function csvRow(time: string, type: string, p: Product, userId: number, session: string, brand: string): string {
  return `${time},${type},${p.id},${p.categoryId},${p.categoryCode},${brand},${formatCents(p.priceCents)},${userId},${session}`;
}

function day(startDay: string, offset: number): Date {
  const d = new Date(`${startDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d;
}

/**
 * `rows` rows sorted by time like the real slices: sessions of several events by skewed users on
 * skewed products, each session starting at `sessionStart()` and staying before `endMs`. As in
 * shop data, a purchase buys one of the session's carted products when it has any (so carts are
 * bought or abandoned), and a user now and then comes back to their last session later (its id
 * again, after a pause longer than the session gap).
 */
function sessionRows(rng: SeededRandom, rows: number, sessionStart: () => number, endMs: number, products: Product[], users: number): string[] {
  const events: Array<[number, string]> = [];
  const duplicateChance = DUPLICATE_SHARE / (1 - DUPLICATE_SHARE);
  const lastSession = new Map<number, string>();
  while (events.length < rows) {
    const userId = 400_000_000 + rng.skewed(users, 1.3) * 13;
    const previous = lastSession.get(userId);
    const session = previous !== undefined && rng.next() < RETURN_SHARE ? previous : rng.next() < 0.002 ? '' : rng.uuid();
    if (session !== '') lastSession.set(userId, session);
    const carted: Product[] = [];
    let t = sessionStart();
    const length = 1 + Math.floor(-Math.log(1 - rng.next()) * 5);
    for (let i = 0; i < length && events.length < rows; i++) {
      t += rng.int(0, 90) * 1000;
      const ms = Math.floor(Math.min(t, endMs - 1000) / 1000) * 1000;
      const time = `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
      const type = EVENT_TYPES[rng.weighted(EVENT_MIX)]!;
      const drawn = products[rng.skewed(products.length)]!;
      const product = type === 'purchase' && carted.length > 0 ? carted[rng.int(0, carted.length)]! : drawn;
      if (type === 'cart') carted.push(product);
      // Brand is missing from about 40% of the rows (decided per row: a few top products carry
      // much of the traffic, so a per-product choice would swing the share from seed to seed).
      const row = csvRow(time, type, product, userId, session, rng.next() < EMPTY_BRAND_SHARE ? '' : product.brand);
      events.push([ms, row]);
      if (rng.next() < duplicateChance && events.length < rows) events.push([ms, row]);
    }
  }
  return events.sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

/** One day of rows with the daily traffic curve. */
export function generateDay(rng: SeededRandom, date: Date, rows: number, products: Product[], users: number): string[] {
  const start = date.getTime();
  const sessionStart = () => start + rng.weighted(HOURLY_TRAFFIC) * 3_600_000 + rng.int(0, 3_600_000);
  return sessionRows(rng, rows, sessionStart, start + 86_400_000, products, users);
}

let spanCatalogue: Product[] | undefined;

/** Rows spread over [startMs, startMs + spanMs): the drip of the latency benchmark. */
export function generateSpan(rng: SeededRandom, startMs: number, spanMs: number, rows: number): string[] {
  spanCatalogue ??= catalogue(new SeededRandom(1), 5000);
  const sessionStart = () => startMs + rng.int(0, Math.max(1, spanMs - 60_000));
  return sessionRows(rng, rows, sessionStart, startMs + spanMs, spanCatalogue, 50_000);
}

async function writeSlice(path: string, rows: string[]): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${CSV_HEADER}\n`);
  for (const row of rows) {
    if (!out.write(`${row}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function usersScale(scale = 1): number {
  if (!(Number.isSafeInteger(scale) && scale > 0)) throw new RangeError(`usersScale must be a positive integer, not ${scale}`);
  return scale;
}

/** Writes `days` files named YYYY-MM-DD.csv (or per hour, YYYY-MM-DD-HH.csv); returns their paths in time order. */
export async function generate(options: GenerateOptions): Promise<string[]> {
  const rng = new SeededRandom(options.seed ?? 42);
  const products = catalogue(rng, Math.max(50, Math.min(20_000, Math.floor(options.rowsPerDay / 10))));
  const users = Math.max(20, Math.floor(options.rowsPerDay / 4)) * usersScale(options.usersScale);
  await mkdir(options.out, { recursive: true });
  const paths: string[] = [];
  for (let d = 0; d < options.days; d++) {
    const date = day(options.startDay ?? '2019-10-01', d);
    const rows = generateDay(rng, date, options.rowsPerDay, products, users);
    const slices = new Map<string, string[]>();
    // Rows start with "YYYY-MM-DD HH:" and come sorted by time.
    for (const row of rows) {
      const name = options.hourly ? `${row.slice(0, 10)}-${row.slice(11, 13)}` : date.toISOString().slice(0, 10);
      const slice = slices.get(name) ?? [];
      if (slice.length === 0) slices.set(name, slice);
      slice.push(row);
    }
    for (const [name, slice] of slices) {
      const path = join(options.out, `${name}.csv`);
      await writeSlice(path, slice);
      paths.push(path);
    }
  }
  return paths;
}
