// Turning validated query parameters into ranges; the cross-field rules schemas cannot say.
// A range is windows=N (the latest N windows), from/to (a time range of window starts) or
// span=<15m|1h|6h|24h|7d|today> (the latest stretch of event time, ending at the newest window).
import { BadParamsError } from '../errors.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import type { WindowRange } from '../../aggregates/query-conditions.ts';
import { STORE_TIME_RANGE } from '../../core/time-format.ts';

export interface RangeQuery {
  windows?: number;
  from?: string;
  to?: string;
  span?: string;
}

export interface Span {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS };

/** from and to, both or neither, from before to, at most `maxSpanMs` apart. */
export function timeSpan(q: RangeQuery, maxSpanMs: number = D.maxSpanMs): Span | undefined {
  if (q.from === undefined && q.to === undefined) return undefined;
  if (q.from === undefined || q.to === undefined) throw new BadParamsError('from and to go together');
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new BadParamsError('from/to are not times');
  if (from < STORE_TIME_RANGE.minMs || to > STORE_TIME_RANGE.maxMs) throw new BadParamsError('from/to must lie between 1970 and 2106');
  if (from >= to) throw new BadParamsError('from must be before to');
  if (to - from > maxSpanMs) throw new BadParamsError(`from..to spans more than ${maxSpanMs / 60_000} minutes`);
  return { from, to };
}

/**
 * A relative span ending at `end` (the newest window's end): `today` is from the start of the
 * UTC day of the newest event; `90m`, `6h`, `7d` are that much event time.
 */
export function relativeSpan(span: string, end: number): Span {
  if (span === 'today') {
    const last = end - 1;
    return { from: last - (last % DAY_MS), to: end };
  }
  const m = /^([1-9]\d{0,3})([mhd])$/.exec(span);
  if (!m) throw new BadParamsError(`span "${span}" is not today nor a length like 15m, 1h or 7d`);
  return { from: end - Number(m[1]) * UNIT_MS[m[2]!]!, to: end };
}

/** The range an analyst compares with: the same hours of the day before for `today`, otherwise the equal range just before. */
export function previousSpan(span: Span, relative?: string): Span {
  const shift = relative === 'today' ? DAY_MS : span.to - span.from;
  return { from: span.from - shift, to: span.to - shift };
}

/** (current - previous) / previous of each key; null when the previous value is 0 (nothing to compare with). */
export function relativeChange<K extends string>(keys: readonly K[], current: Record<K, number>, previous: Record<K, number>): Record<K, number | null> {
  return Object.fromEntries(keys.map((k) => [k, previous[k] === 0 ? null : (current[k] - previous[k]) / previous[k]])) as Record<K, number | null>;
}

/** At most one way of giving the range. */
function oneRange(q: RangeQuery): void {
  const ways = [q.windows !== undefined, q.from !== undefined || q.to !== undefined, q.span !== undefined].filter(Boolean).length;
  if (ways > 1) throw new BadParamsError('give only one of windows, from/to or span');
}

/**
 * from/to, or span (or `fallbackSpan` when neither is given) against the newest window end,
 * which `latestEnd` reads only when needed; null when the store holds no window yet.
 */
export async function resolveSpan(
  q: RangeQuery,
  latestEnd: () => Promise<number | null>,
  fallbackSpan: string,
  maxSpanMs: number = D.maxSpanMs,
): Promise<Span | null> {
  oneRange(q);
  const given = timeSpan(q, maxSpanMs);
  if (given) return given;
  const end = await latestEnd();
  if (end === null) return null;
  const text = q.span ?? fallbackSpan;
  const span = relativeSpan(text, end);
  if (span.to - span.from > maxSpanMs) throw new BadParamsError(`span ${text} covers more than ${maxSpanMs / 60_000} minutes`);
  return span;
}

/** windows=N, from/to or span (not more than one); none gives `fallback`. */
export async function windowRange(q: RangeQuery, latestEnd: () => Promise<number | null>, fallback: WindowRange | { kind: 'span'; span: string }): Promise<WindowRange> {
  oneRange(q);
  const given = timeSpan(q, Number.MAX_SAFE_INTEGER);
  if (given) return { kind: 'time', ...given };
  if (q.windows !== undefined) return { kind: 'latest', windows: q.windows };
  let span = q.span;
  if (span === undefined) {
    if (fallback.kind !== 'span') return fallback;
    span = fallback.span;
  }
  const end = await latestEnd();
  // No window yet: an empty range.
  return end === null ? { kind: 'time', from: 0, to: 1000 } : { kind: 'time', ...relativeSpan(span, end) };
}
