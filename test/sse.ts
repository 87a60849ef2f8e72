// A small EventSource-like reader for tests: fetch streaming, frames parsed as the SSE spec says
// (id, event, data lines; a blank line ends a frame), each stamped with its arrival time.
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  receivedAt: number;
}

export class SseReader {
  readonly events: SseEvent[] = [];
  private waiters: Array<() => void> = [];
  private constructor(
    readonly status: number,
    private readonly controller: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    const reader = new SseReader(res.status, controller);
    if (res.ok && res.body) void reader.pump(res.body);
    else await res.body?.cancel();
    return reader;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.onFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    }
  }

  private onFrame(text: string): void {
    const frame: SseEvent = { event: 'message', data: '', receivedAt: Date.now() };
    const data: string[] = [];
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    frame.data = data.join('\n');
    this.events.push(frame);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first event at index >= from that matches, waiting for it up to timeoutMs. */
  async waitFor(match: (e: SseEvent) => boolean, timeoutMs = 30_000, from = 0): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching SSE event within ${timeoutMs} ms (got ${this.events.map((e) => e.event).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.controller.abort();
  }
}

export const json = <T>(e: SseEvent): T => JSON.parse(e.data) as T;
