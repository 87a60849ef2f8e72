// The event_time text of both sources (CSV cell, JSON item) to epoch milliseconds: the dataset's
// "YYYY-MM-DD HH:MM:SS UTC", or ISO 8601 with Z or an offset.

const UTC_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) UTC$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
/** No zone's offset lies beyond ±14:00 (Kiribati's +14:00 is the furthest). */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * Epoch ms (whole seconds) or an error text. One rule for both forms: hours 00-23 (24:00:00 is
 * rejected rather than rolled over to the next day: RFC 3339 has no hour 24, and a day's last
 * event belongs to that day), minutes 00-59, seconds 00-59, or 60 for a leap second, which only
 * ever falls at 23:59:60 UTC and is read as 23:59:59 (the store's times, like POSIX time, have no
 * 61st second; java.time reads it the same way).
 */
export function parseEventTime(text: string): number | string {
  let offset = 0;
  if (!UTC_TEXT.test(text)) {
    const iso = ISO_8601.exec(text);
    if (!iso) return `bad event_time "${text}": expected "YYYY-MM-DD HH:MM:SS UTC" or ISO 8601 with Z or an offset`;
    if (iso[1] !== undefined) {
      const minutes = Number(iso[3]);
      offset = (iso[1] === '-' ? -1 : 1) * (Number(iso[2]) * 60 + minutes);
      if (minutes > 59 || Math.abs(offset) > MAX_OFFSET_MINUTES) return `bad event_time "${text}": no such UTC offset (offsets run from -14:00 to +14:00)`;
    }
  }
  const ms = epochMs(utcDayMs(text), twoDigits(text, 11), twoDigits(text, 14), twoDigits(text, 17), offset);
  if (ms === undefined) return `bad event_time "${text}": no such date or time (hours 00-23, seconds 00-59, or 60 for a leap second at 23:59:60 UTC)`;
  return ms;
}

/** Epoch ms of h:mi:s on a day, at `offset` minutes east of UTC; undefined when there is no such time. */
function epochMs(dayMs: number | undefined, h: number, mi: number, s: number, offset: number): number | undefined {
  if (dayMs === undefined || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = dayMs + ((h * 60 + mi - offset) * 60 + Math.min(s, 59)) * 1000;
  if (s === 60 && (ms / 1000 + 1) % 86_400 !== 0) return undefined;
  return ms;
}

const twoDigits = (text: string, at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/** The latest valid day read ("YYYY-MM-DD") and its epoch ms: rows of a slice share a few days. */
let lastDay = '';
let lastDayMs = 0;

/** Epoch ms of the "YYYY-MM-DD" that starts `text`, or undefined when there is no such day. */
function utcDayMs(text: string): number | undefined {
  if (lastDay !== '' && text.startsWith(lastDay)) return lastDayMs;
  const y = Number(text.slice(0, 4));
  const mo = Number(text.slice(5, 7));
  const d = Number(text.slice(8, 10));
  const day = new Date(Date.UTC(y, mo - 1, d));
  day.setUTCFullYear(y, mo - 1, d); // Date.UTC reads years 0-99 as 1900-1999
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  lastDay = text.slice(0, 10);
  lastDayMs = day.getTime();
  return lastDayMs;
}
