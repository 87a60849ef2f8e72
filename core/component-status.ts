// The state of one long-running component (connector, aggregator, HTTP source), shown by
// /api/health so that a stall is visible. Three states with named transitions; `since` says
// when the current state began, so "retrying since 10:02" stays put over many attempts.

export type ComponentState = 'running' | 'retrying' | 'failed';

/** The JSON view of a status (crosses the connector's thread and goes out in /api/health). */
export interface ComponentStatusView {
  state: ComponentState;
  /** ISO time the component entered this state. */
  since: string;
  reason?: string;
}

export type ComponentsView = Record<string, ComponentStatusView>;

export type StatusListener = (view: ComponentStatusView) => void;

export class ComponentStatus {
  private current: ComponentStatusView;
  private readonly listeners = new Set<StatusListener>();

  constructor(private readonly now: () => number = Date.now) {
    this.current = { state: 'running', since: this.iso() };
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private enter(state: ComponentState, reason?: string): void {
    const since = this.current.state === state ? this.current.since : this.iso();
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = reason === undefined ? { state, since } : { state, since, reason };
    for (const listener of this.listeners) listener(this.view());
  }

  running(): void {
    this.enter('running');
  }

  /** A fault the component works around by itself; the reason is the latest error. */
  retrying(reason: string): void {
    this.enter('retrying', reason);
  }

  /** Given up: a human (or a supervisor's restart) is needed. */
  failed(reason: string): void {
    this.enter('failed', reason);
  }

  view(): ComponentStatusView {
    return { ...this.current };
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
