// Finding and using the query endpoint of a running `start`. In embedded mode only one process
// may open the store, so `sql` and `export` beside a running `start` go through its endpoint:
// `start` advertises it (dashboard/query/endpoint-file.ts); a record left by a killed start is
// known by its dead pid or a failed ping.
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { Config } from '../core/config.ts';
import { ConfigError } from '../core/settings.ts';
import { processAlive } from '../core/process-alive.ts';
import { ReadOnlyQueryError } from '../aggregates/read-only.ts';
import { readEndpointRecord, type EndpointRecord } from '../dashboard/query/endpoint-file.ts';

const PING_TIMEOUT_MS = 3_000;

/** The endpoint of a start that runs on this home, or undefined (no file, a dead pid, no answer to /ping). */
export async function runningEndpoint(config: Config): Promise<EndpointRecord | undefined> {
  const record = readEndpointRecord(config);
  if (!record || record.pid === process.pid || !processAlive(record.pid)) return undefined;
  try {
    const res = await fetch(`${record.url}/ping`, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
    return res.ok && (await res.text()) === 'Ok.\n' ? record : undefined;
  } catch {
    return undefined;
  }
}

export interface EndpointQuery {
  query: string;
  /** The format when the statement names none. */
  defaultFormat: string;
  database: string;
  settings?: Record<string, string>;
  /** Bound parameters `{name:Type}`, each value its text. */
  params?: Record<string, string>;
  signal?: AbortSignal;
}

/** A parameter's value as ClickHouse's HTTP interface takes it: escaped as in its text formats. */
const escapedParam = (value: string) => value.replace(/[\\\t\n']/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', "'": "\\'" })[c] ?? c);

/** The last bytes of a body, where an error after the first bytes is written. */
const TAIL_BYTES = 4096;
/** Chunks read ahead of the consumer before the response is paused. */
const READ_AHEAD = 16;

/**
 * The body as it arrives. Read in flowing mode into a queue: a stream's async iterator drops what
 * it has buffered when the connection breaks, and the endpoint's error text is in those last
 * bytes. When the consumer lags, the socket is paused, not the response: a paused response keeps
 * a buffer of its own, which a connection breaking behind it discards (the text with it).
 */
async function* body(res: IncomingMessage, signal?: AbortSignal): AsyncIterable<Buffer> {
  const queue: Buffer[] = [];
  // Null once the response is over (the socket goes back to the agent).
  const socket = res.socket;
  let paused = false;
  let tail = Buffer.alloc(0);
  let ended = false;
  let broken: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  res.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
    if (queue.length >= READ_AHEAD && !paused) {
      paused = true;
      socket?.pause();
    }
    notify();
  });
  res.on('end', () => {
    ended = true;
    notify();
  });
  const fail = (err?: Error) => {
    broken ??= err ?? new Error('the connection closed before the end of the answer');
    notify();
  };
  res.on('error', fail);
  res.on('aborted', () => fail());
  res.on('close', () => (res.complete ? undefined : fail()));
  for (;;) {
    const chunk = queue.shift();
    if (chunk) {
      if (paused && queue.length < READ_AHEAD / 2) {
        paused = false;
        socket?.resume();
      }
      yield chunk;
    } else if (ended) {
      return;
    } else if (broken) {
      if (signal?.aborted) throw signal.reason;
      // The endpoint writes the error after the bytes sent, then breaks the connection.
      const text = /Code: \d+\. DB::Exception: [^\n]*/.exec(tail.toString('utf8'))?.[0];
      throw new Error(text ? `the query failed after its first bytes: ${text}` : `the query endpoint broke off the answer (${broken.message})`, { cause: broken });
    } else {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}

/** Runs a read-only statement on the endpoint; yields the body's chunks as they arrive. */
export async function* queryEndpoint(config: Config, record: EndpointRecord, q: EndpointQuery): AsyncIterable<Buffer> {
  const url = new URL(record.url);
  url.searchParams.set('default_format', q.defaultFormat);
  url.searchParams.set('database', q.database);
  for (const [k, v] of Object.entries(q.settings ?? {})) url.searchParams.set(k, v);
  for (const [k, v] of Object.entries(q.params ?? {})) url.searchParams.set(`param_${k}`, escapedParam(v));
  const token = config.dashboard.token;
  const headers = { 'content-type': 'text/plain; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const req = request(url, { method: 'POST', headers, signal: q.signal });
  const answered = once(req, 'response') as Promise<[IncomingMessage]>;
  req.end(q.query);
  const [res] = await answered;
  try {
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8').trim();
      const refused = res.headers['x-salesinsights-refused'];
      if (typeof refused === 'string') throw new ReadOnlyQueryError(decodeURIComponent(refused));
      if (res.statusCode === 401) {
        throw new ConfigError('SALESINSIGHTS_DASHBOARD_TOKEN', `the running start (pid ${record.pid}) wants its token for queries: set SALESINSIGHTS_DASHBOARD_TOKEN as start has it`);
      }
      throw new Error(/^Code: \d+\./.test(text) ? text : `the query endpoint of the running start answered ${res.statusCode}: ${text}`);
    }
    yield* body(res, q.signal);
  } finally {
    res.destroy();
  }
}
