// Turning validated query parameters into ranges; the cross-field rules schemas cannot say.
import { BadParamsError } from '../errors.ts';
import { DASHBOARD_DEFAULTS as D } from '../defaults.ts';
import type { WindowRange } from '../../aggregates/dashboard-queries.ts';

export interface RangeQuery {
  windows?: number;
  from?: string;
  to?: string;
}

/** from and to, both or neither, from before to, at most `maxSpanMs` apart. */
export function timeSpan(q: RangeQuery, maxSpanMs: number = D.maxSpanMs): { from: number; to: number } | undefined {
  if (q.from === undefined && q.to === undefined) return undefined;
  if (q.from === undefined || q.to === undefined) throw new BadParamsError('from and to go together');
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new BadParamsError('from/to are not times');
  if (from < 0 || to > Date.UTC(2106, 0, 1)) throw new BadParamsError('from/to must lie between 1970 and 2106');
  if (from >= to) throw new BadParamsError('from must be before to');
  if (to - from > maxSpanMs) throw new BadParamsError(`from..to spans more than ${maxSpanMs / 60_000} minutes`);
  return { from, to };
}

/** windows=N or from/to (not both); none gives `fallback`. */
export function windowRange(q: RangeQuery, fallback: WindowRange): WindowRange {
  const span = timeSpan(q, Number.MAX_SAFE_INTEGER);
  if (span && q.windows !== undefined) throw new BadParamsError('give either windows or from/to, not both');
  if (span) return { kind: 'time', ...span };
  if (q.windows !== undefined) return { kind: 'latest', windows: q.windows };
  return fallback;
}
