// Silences by rule name with an end time (Alertmanager's silences, matched on `alertname` only).
// A silenced rule's alerts still change state and are still recorded; only their notifications
// are held back. Silences run on wall-clock time, also for business rules.

export interface Silence {
  rule: string;
  /** Epoch ms at which the silence ends. */
  endsAtMs: number;
}

export function isSilenced(silences: readonly Silence[], rule: string, wallNowMs: number): boolean {
  return silences.some((s) => s.rule === rule && s.endsAtMs > wallNowMs);
}

/** The silences not yet ended (what `alerts list` shows, and what is worth keeping). */
export function activeSilences(silences: readonly Silence[], wallNowMs: number): Silence[] {
  return silences.filter((s) => s.endsAtMs > wallNowMs);
}
