// Session windows per (user_id, user_session), as Flink's WindowOperator with a merging assigner:
// an event joins the open session of its key its window overlaps, bridges and merges several, or
// starts one. A session is final once the watermark passes its window's end (last event + gap)
// plus the allowed lateness: it is emitted then and its counts freed. An event that falls inside
// a closed session is late, not the start of a new one: a closed session keeps its window until
// the watermark is a gap further on, when any event that could fall inside it is late by its own
// window. Its keyed state: the sessions of each key ("sessions", keyed by user and session).
import TinyQueue from 'tinyqueue';
import type { ShopEvent } from '../../core/event.ts';
import { addToSession, emptySession, mergeSessions, type ProductInSession, type SessionSummary } from '../aggregations/session-summary.ts';
import { jsonValue, STRING_KEY, type StateDescriptor, type ValueState } from '../state/keyed-state.ts';
import type { KeyedStateBackend } from '../state/state-backend.ts';
import { isWindowFinal, overlaps, type MergingWindowAssigner, type Window } from '../window.ts';

export type SessionAdmission = 'added' | 'duplicate' | 'late';

/** A session as a checkpoint holds it. */
interface StoredSession {
  start: number;
  end: number;
  closed?: true;
  userId: string;
  userSession: string;
  counts: [events: number, views: number, carts: number, removals: number, purchases: number, cartValueCents: number, purchaseValueCents: number];
  products: Array<[string, number, boolean, number, number, number]>;
  seen: string[];
}

const storeSession = (s: SessionSummary): StoredSession => ({
  start: s.window.start,
  end: s.window.end,
  ...(s.closed ? { closed: true as const } : {}),
  userId: String(s.userId),
  userSession: s.userSession,
  counts: [s.events, s.views, s.carts, s.removals, s.purchases, s.cartValueCents, s.purchaseValueCents],
  products: [...s.products].map(([id, p]) => [String(id), p.carts, p.purchased, p.lastCartAt, p.lastCartOffset, p.lastCartPriceCents]),
  seen: [...s.seen],
});

function loadSession(s: StoredSession): SessionSummary {
  const [events, views, carts, removals, purchases, cartValueCents, purchaseValueCents] = s.counts;
  const products = new Map<bigint, ProductInSession>(
    s.products.map(([id, carts, purchased, lastCartAt, lastCartOffset, lastCartPriceCents]) => [BigInt(id), { carts, purchased, lastCartAt: lastCartAt ?? Number.NEGATIVE_INFINITY, lastCartOffset, lastCartPriceCents }]),
  );
  return {
    window: { start: s.start, end: s.end },
    userId: BigInt(s.userId),
    userSession: s.userSession,
    events,
    views,
    carts,
    removals,
    purchases,
    cartValueCents,
    purchaseValueCents,
    products,
    seen: new Set(s.seen),
    closed: s.closed === true,
  };
}

/**
 * The sessions of one state key, by start: the sessions of its session string (of any user: one
 * user's as a rule), or of a user's events without one.
 */
export const SESSIONS: StateDescriptor<string, SessionSummary[]> = {
  name: 'sessions',
  key: STRING_KEY,
  value: jsonValue<SessionSummary[]>((list) => list.map(storeSession), (json) => (json as StoredSession[]).map(loadSession)),
};

/**
 * The state key of an event's sessions: its session string as it is (a lookup by a string the
 * decoder made, no key built per event), or `|<user_id>` when it has none. A session string that
 * reads like the latter only shares a state entry; each session still has its own user and string.
 */
const stateKeyOf = (userId: bigint, userSession: string): string => userSession || `|${userId}`;

/** Whether the session is the event's key's: same user, same session string. */
const isOfKey = (s: SessionSummary, userId: bigint, userSession: string): boolean => s.userId === userId && s.userSession === userSession;

export class SessionOperator {
  private readonly sessions: ValueState<string, SessionSummary[]>;
  /**
   * When a key may have a session to close (its window's end) or to forget (a gap after), soonest
   * first: the keys a watermark may touch. Entries made stale by a merge are skipped.
   */
  private readonly due = new TinyQueue<{ at: number; key: string }>([], (a, b) => a.at - b.at);

  constructor(
    private readonly assigner: MergingWindowAssigner,
    private readonly allowedLatenessMs: number,
    state: KeyedStateBackend,
  ) {
    this.sessions = state.valueState(SESSIONS);
  }

  /** About how many bytes the sessions take written in a checkpoint. */
  get stateBytes(): number {
    return this.sessions.estimatedBytes();
  }

  get openSessions(): number {
    let n = 0;
    for (const [, list] of this.sessions.entries()) for (const s of list) if (!s.closed) n += 1;
    return n;
  }

  /**
   * Adds the event at input `offset` (its content key `content`) to its session unless late or a
   * duplicate; `watermark` is the current one.
   */
  process(e: ShopEvent, content: string, offset: number, watermark: number): SessionAdmission {
    const start = e.event_time;
    const end = start + this.assigner.gapMs;
    if (watermark >= end + this.allowedLatenessMs) return 'late';
    const userSession = e.user_session ?? '';
    const key = stateKeyOf(e.user_id, userSession);
    const list = this.sessions.get(key);
    // Most events continue the one session their key has: changed in place.
    const only = list?.length === 1 ? list[0]! : undefined;
    if (only && !only.closed && only.window.start < end && start < only.window.end && isOfKey(only, e.user_id, userSession)) {
      if (only.seen.has(content)) return 'duplicate';
      addToSession(only, e, content, start, end, offset);
      this.sessions.put(key, list!);
      return 'added';
    }
    return this.merge(e, content, offset, this.assigner.assign(start), key, userSession, list ?? []);
  }

  /** The event starts a session, or joins or bridges some of its key's several sessions. */
  private merge(e: ShopEvent, content: string, offset: number, window: Window, key: string, userSession: string, list: SessionSummary[]): SessionAdmission {
    if (list.length === 0) {
      // The common new session: its key has none.
      const session = emptySession(window, e.user_id, userSession);
      addToSession(session, e, content, window.start, window.end, offset);
      this.sessions.put(key, [session]);
      this.due.push({ at: session.window.end, key });
      return 'added';
    }
    const touching = list.filter((s) => isOfKey(s, e.user_id, userSession) && overlaps(s.window, window));
    if (touching.some((s) => s.closed)) return 'late';
    if (touching.some((s) => s.seen.has(content))) return 'duplicate';
    const session = touching.length === 0 ? emptySession(window, e.user_id, userSession) : touching.reduce(mergeSessions);
    addToSession(session, e, content, window.start, window.end, offset);
    const rest = list.filter((s) => !touching.includes(s));
    rest.push(session);
    rest.sort((a, b) => a.window.start - b.window.start);
    this.sessions.put(key, rest);
    this.due.push({ at: session.window.end, key });
    return 'added';
  }

  /** The sessions the watermark has made final (closed, their counts freed); closed ones a gap old are forgotten. */
  onWatermark(watermark: number): readonly SessionSummary[] {
    // The watermark moves on nearly every event; a session is due far less often.
    if (this.due.length === 0 || watermark < this.due.peek()!.at + this.allowedLatenessMs) return NONE;
    const out: SessionSummary[] = [];
    const gap = this.assigner.gapMs;
    while (this.due.length > 0 && watermark >= this.due.peek()!.at + this.allowedLatenessMs) {
      const { key } = this.due.pop()!;
      const list = this.sessions.get(key);
      if (!list) continue;
      if (list.length === 1) {
        this.onWatermarkOne(key, list, watermark, out);
        continue;
      }
      let changed = false;
      const kept: SessionSummary[] = [];
      // When this key is due next: a session's end moves on as events join it, and only then is it
      // looked at again (one timer per session, not one per event).
      let next = Number.POSITIVE_INFINITY;
      for (const s of list) {
        if (s.closed && watermark >= s.window.end + gap + this.allowedLatenessMs) {
          changed = true;
          continue;
        }
        if (!s.closed && isWindowFinal(s.window, watermark, this.allowedLatenessMs)) {
          out.push(s);
          kept.push(closedWindow(s));
          next = Math.min(next, s.window.end + gap);
          changed = true;
          continue;
        }
        next = Math.min(next, s.closed ? s.window.end + gap : s.window.end);
        kept.push(s);
      }
      if (next < Number.POSITIVE_INFINITY) this.due.push({ at: next, key });
      if (!changed) continue;
      if (kept.length === 0) this.sessions.delete(key);
      else this.sessions.put(key, kept);
    }
    return out;
  }

  /** onWatermark for a key with one session (most keys), its list changed in place. */
  private onWatermarkOne(key: string, list: SessionSummary[], watermark: number, out: SessionSummary[]): void {
    const s = list[0]!;
    const gap = this.assigner.gapMs;
    if (s.closed) {
      if (watermark >= s.window.end + gap + this.allowedLatenessMs) this.sessions.delete(key);
      else this.due.push({ at: s.window.end + gap, key });
      return;
    }
    if (!isWindowFinal(s.window, watermark, this.allowedLatenessMs)) {
      this.due.push({ at: s.window.end, key });
      return;
    }
    out.push(s);
    list[0] = closedWindow(s);
    this.sessions.put(key, list);
    this.due.push({ at: s.window.end + gap, key });
  }

  /** End of input: every open session becomes final (closed, its counts freed), whatever the watermark. */
  closeAll(): SessionSummary[] {
    const out: SessionSummary[] = [];
    for (const [key, list] of [...this.sessions.entries()]) {
      if (list.every((s) => s.closed)) continue;
      for (const s of list) if (!s.closed) out.push(s);
      this.sessions.put(key, list.map((s) => (s.closed ? s : closedWindow(s))));
      for (const s of list) if (!s.closed) this.due.push({ at: s.window.end + this.assigner.gapMs, key });
    }
    return out;
  }

  /**
   * After a restore: the window ends of the restored sessions. Entries a checkpoint holds under
   * another key (one per user and session string, as builds before this one wrote) move to theirs.
   */
  restored(): void {
    for (const [key, list] of [...this.sessions.entries()]) {
      const own = stateKeyOf(list[0]!.userId, list[0]!.userSession);
      if (own === key) continue;
      this.sessions.delete(key);
      this.sessions.put(own, [...(this.sessions.get(own) ?? []), ...list].sort((a, b) => a.window.start - b.window.start));
    }
    const gap = this.assigner.gapMs;
    for (const [key, list] of this.sessions.entries()) for (const s of list) this.due.push({ at: s.closed ? s.window.end + gap : s.window.end, key });
  }
}

const NONE: readonly SessionSummary[] = Object.freeze([]);

/**
 * What a closed session keeps: its window, to tell late events. Its summary is never added to
 * again (an event that falls inside it is late), so every closed session shares one empty product
 * map and one empty set of content keys.
 */
function closedWindow(s: SessionSummary): SessionSummary {
  return { window: s.window, userId: s.userId, userSession: s.userSession, events: 0, views: 0, carts: 0, removals: 0, purchases: 0, cartValueCents: 0, purchaseValueCents: 0, products: CLOSED_PRODUCTS, seen: CLOSED_SEEN, closed: true };
}

const CLOSED_PRODUCTS = new Map<bigint, ProductInSession>();
const CLOSED_SEEN = new Set<string>();
