// Event time for the health panel, meaningful while 2019 data is replayed as well as live, from
// one look at the store: how far the final results have got (the end of the newest final
// window), the newest event in the events table and the gap between them. The wall-clock delay
// (now - reached) is given only when the newest event is within a day of now; for a replay of
// old data it would only say how old the data is.
export interface EventTimeView {
  reached: number | null;
  newest: number | null;
  lagMs: number | null;
  wallClockDelayMs: number | null;
}

const DAY_MS = 86_400_000;

export function eventTimeView(reached: number | null, newest: number | null, now: number = Date.now()): EventTimeView {
  const live = newest !== null && Math.abs(now - newest) <= DAY_MS;
  return {
    reached,
    newest,
    lagMs: reached !== null && newest !== null ? Math.max(0, newest - reached) : null,
    wallClockDelayMs: live && reached !== null ? now - reached : null,
  };
}
