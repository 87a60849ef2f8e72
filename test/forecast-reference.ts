// The store's hourly revenue and orders computed independently from generated CSV files (no
// quoting: every line splits on commas), as the forecast reads them: every valid purchase, exact
// duplicate lines once; orders are the distinct non-empty sessions with a purchase in the hour
// plus each purchase without a session.
import { readFileSync } from 'node:fs';

export interface ReferenceHour {
  hourStartMs: number;
  revenue: number;
  orders: number;
}

export function hourlySalesOfCsv(files: string[]): ReferenceHour[] {
  const seen = new Set<string>();
  const hours = new Map<number, { cents: number; sessions: Set<string>; sessionless: number }>();
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cells = line.split(',');
      if (cells.length !== 9 || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/.test(cells[0]!) || !/^\d+(\.\d\d?)?$/.test(cells[6]!)) continue;
      if (cells[1] !== 'purchase' || seen.has(line)) continue;
      seen.add(line);
      const ms = Date.parse(cells[0]!.replace(' UTC', 'Z').replace(' ', 'T'));
      const hourStartMs = Math.floor(ms / 3_600_000) * 3_600_000;
      const [whole, frac = ''] = cells[6]!.split('.');
      const hour = hours.get(hourStartMs) ?? { cents: 0, sessions: new Set<string>(), sessionless: 0 };
      hour.cents += Number(whole) * 100 + Number(frac.padEnd(2, '0'));
      if (cells[8] === '') hour.sessionless += 1;
      else hour.sessions.add(`${cells[7]}|${cells[8]}`);
      hours.set(hourStartMs, hour);
    }
  }
  return [...hours.entries()]
    .sort(([a], [b]) => a - b)
    .map(([hourStartMs, h]) => ({ hourStartMs, revenue: h.cents / 100, orders: h.sessions.size + h.sessionless }));
}
