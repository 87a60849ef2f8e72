// The read-only query endpoint of `start`: ClickHouse's HTTP interface (`GET /?query=`, `POST /`
// with the statement as the body, `GET /ping`) over the store this process holds, so that
// `sql`, `export`, @clickhouse/client, notebooks and BI tools can query while the pipeline
// runs (in embedded mode only one process may open the store). Every statement passes the
// read-only rule of `sql` (aggregates/read-only.ts) and runs with readonly=1; results stream
// chunk by chunk with backpressure. With SALESINSIGHTS_DASHBOARD_TOKEN set, every query needs it:
// `Authorization: Bearer <token>`, basic auth with the token as the password (any user name),
// or `X-ClickHouse-Key: <token>`. Errors answer as ClickHouse does: `Code: N. DB::Exception: … (TYPE)`.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { logger as defaultLogger, type Logger } from '../../core/logger.ts';
import { ReadOnlyQueryError, readOnlyStream } from '../../aggregates/read-only.ts';
import { clickHouseCode, type Store } from '../../aggregates/store.ts';
import { withLimitHint } from '../../aggregates/read-gate.ts';
import { sameToken } from '../plugins/auth.ts';
import { QUERY_DEFAULTS } from './defaults.ts';
import { EndpointError, readRequest } from './request.ts';
import { QueryEndpointMetrics } from './metrics.ts';
import type { Registry } from 'prom-client';

export interface QueryAppOptions {
  store: Store;
  /** The process's metrics registry (createMetricsRegistry): the endpoint's metrics go there. */
  metrics?: Registry;
  /** SALESINSIGHTS_DASHBOARD_TOKEN: required with every query when set. */
  token?: string;
  logger?: Logger;
}

/** HTTP status of a ClickHouse error code, as ClickHouse's HTTP handler maps them. */
const STATUS_OF_CODE: Record<number, number> = {
  164: 403, 497: 403, 516: 401, 202: 503, 452: 400, 46: 404, 47: 404, 50: 404, 60: 404, 73: 404, 81: 404,
  6: 400, 26: 400, 27: 400, 32: 400, 33: 400, 36: 400, 38: 400, 41: 400, 42: 400, 43: 400, 53: 400, 62: 400, 69: 400, 72: 400, 115: 400, 190: 400, 457: 400, 456: 400,
};

export function contentType(format: string): string {
  const f = format.toLowerCase();
  if (f === 'csv' || f.startsWith('csvwith')) return 'text/csv; charset=UTF-8';
  if (f.startsWith('tsv') || f.startsWith('tabseparated')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.includes('eachrow') || f === 'jsonlines' || f === 'ndjson') return 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (/^(parquet|arrow|arrowstream|orc|native|rowbinary\w*|avro|msgpack|protobuf\w*|capnproto|rawblob|bson\w*|npy)$/.test(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

export interface Failure {
  status: number;
  code: number;
  text: string;
  refused?: string;
}

export function failure(err: unknown, req: FastifyRequest, queryId: string): Failure {
  if (err instanceof EndpointError) return { status: err.status, code: err.code, text: `Code: ${err.code}. DB::Exception: ${err.message}. (${err.type})` };
  if (err instanceof ReadOnlyQueryError) {
    const text = `Code: 164. DB::Exception: refused ${err.refused}: the query endpoint runs one read-only statement on the store's tables. (READONLY)`;
    return { status: 403, code: 164, text, refused: err.refused };
  }
  // The client went away (or the server closes): nobody reads the answer, nothing to log.
  if ((err as Error)?.name === 'AbortError') return { status: 500, code: 394, text: 'Code: 394. DB::Exception: Query was cancelled: its client went away. (QUERY_WAS_CANCELLED)' };
  const ch = clickHouseCode(err);
  const message = String((err as Error)?.message ?? err).trim();
  if (ch) {
    const text = withLimitHint(/Code: \d+\. DB::Exception:/.test(message) ? message : `Code: ${ch.code}. DB::Exception: ${message}. (${ch.type})`, ch.code);
    return { status: STATUS_OF_CODE[ch.code] ?? 500, code: ch.code, text };
  }
  const fastifyStatus = (err as FastifyError)?.statusCode;
  if (fastifyStatus !== undefined && fastifyStatus < 500) return { status: fastifyStatus, code: 36, text: `Code: 36. DB::Exception: ${message}. (BAD_ARGUMENTS)` };
  req.log.error({ err, queryId }, 'query endpoint request failed');
  return { status: 500, code: 1001, text: `Code: 1001. DB::Exception: internal error (query ${queryId}; see the salesinsights log). (STD_EXCEPTION)` };
}

export function sendFailure(reply: FastifyReply, f: Failure, queryId: string) {
  reply.code(f.status).header('content-type', 'text/plain; charset=UTF-8').header('x-clickhouse-exception-code', String(f.code)).header('x-clickhouse-query-id', queryId);
  if (f.refused !== undefined) reply.header('x-salesinsights-refused', encodeURIComponent(f.refused));
  if (f.status === 401) reply.header('www-authenticate', 'Basic realm="salesinsights", Bearer realm="salesinsights"');
  return reply.send(`${f.text}\n`);
}

/** The token a ClickHouse client or curl presents: bearer, basic auth's password, or X-ClickHouse-Key. */
export function presentedToken(headers: FastifyRequest['headers']): string | undefined {
  const key = headers['x-clickhouse-key'];
  if (typeof key === 'string' && key !== '') return key;
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Is the query a plain health check (`GET /` without a query, `/ping`), which needs no token? */
const isHealthCheck = (req: FastifyRequest) => req.url.split('?', 1)[0] === '/ping' || (req.method === 'GET' && !new URL(req.url, 'http://x').searchParams.has('query'));

export async function buildQueryApp(opts: QueryAppOptions): Promise<FastifyInstance> {
  const log = opts.logger ?? defaultLogger;
  const app = Fastify({
    loggerInstance: log.child({ component: 'query-endpoint' }) as FastifyBaseLogger,
    // No request lines with URLs (they hold the statements); 'query served' at debug instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    forceCloseConnections: true,
    exposeHeadRoutes: false,
  });
  // Streams in flight end (their queries are cancelled) before the server closes.
  const inFlight = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const c of inFlight) c.abort();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: QUERY_DEFAULTS.maxQueryBytes }, (_req, body, done) => done(null, body));
  const metrics = opts.metrics ? new QueryEndpointMetrics(opts.metrics, opts.store) : undefined;
  const fail = (reply: FastifyReply, f: Failure, queryId: string) => {
    metrics?.failed(f.code);
    return sendFailure(reply, f, queryId);
  };
  app.setErrorHandler((err, req, reply) => fail(reply, failure(err, req, req.id), req.id));
  app.setNotFoundHandler((req, reply) =>
    fail(reply, failure(new EndpointError(36, 'BAD_ARGUMENTS', 404, `no ${req.method} ${req.url.split('?', 1)[0]}: the query endpoint answers GET /?query=, POST / and GET /ping`), req, req.id), req.id),
  );
  app.addHook('onRequest', async (req) => {
    if (!opts.token || isHealthCheck(req)) return;
    const token = presentedToken(req.headers);
    if (token !== undefined && sameToken(token, opts.token)) return;
    throw new EndpointError(
      516,
      'AUTHENTICATION_FAILED',
      401,
      `${token === undefined ? 'no token' : 'the token does not match'}: send SALESINSIGHTS_DASHBOARD_TOKEN as Authorization: Bearer <token>, as the password (basic auth, any user) or as X-ClickHouse-Key`,
    );
  });

  app.get('/ping', async (_req, reply) => reply.type('text/plain; charset=UTF-8').send('Ok.\n'));
  app.route({
    method: ['GET', 'POST'],
    url: '/',
    handler: async (req, reply) => {
      const search = new URL(req.url, 'http://x').searchParams;
      if (req.method === 'GET' && !search.has('query')) return reply.type('text/plain; charset=UTF-8').send('Ok.\n');
      if (String(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/')) {
        throw new EndpointError(36, 'BAD_ARGUMENTS', 400, 'multipart bodies are not taken: send the statement as the body and parameters as param_<name> in the URL');
      }
      const request = readRequest(search, typeof req.body === 'string' ? req.body : undefined, opts.store.database);
      const queryId = request.queryId ?? req.id;
      const controller = new AbortController();
      inFlight.add(controller);
      // The client went away: cancel the query (a streaming one between chunks).
      reply.raw.once('close', () => controller.abort());
      const started = Date.now();
      try {
        const { format, chunks } = await readOnlyStream(opts.store, request.query, {
          defaultFormat: request.defaultFormat,
          database: request.database,
          databaseIfExists: !search.has('database'),
          params: request.params,
          settings: request.settings,
          signal: controller.signal,
        });
        const iterator = chunks[Symbol.asyncIterator]();
        // The first chunk before the status line: a statement that fails to start answers its error code.
        let next: IteratorResult<Buffer>;
        try {
          next = await iterator.next();
        } catch (err) {
          return await fail(reply, failure(err, req, queryId), queryId);
        }
        reply.hijack();
        const gzip = request.compress && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': contentType(format),
          'x-clickhouse-format': format,
          'x-clickhouse-query-id': queryId,
          'x-clickhouse-timezone': 'UTC',
          'x-clickhouse-server-display-name': 'salesinsights',
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        });
        const { bytes, failed } = await pump(res, gzip, next, iterator, controller.signal, req, queryId);
        if (failed === undefined) metrics?.served((Date.now() - started) / 1000);
        else metrics?.failed(failed);
        req.log.debug({ queryId, format, bytes, ms: Date.now() - started, failed }, 'query served');
      } finally {
        inFlight.delete(controller);
      }
    },
  });
  return app;
}

/**
 * Writes the chunks with backpressure. An error after the status line ends the body with its
 * text and then the connection, without the final chunk: the client sees a broken response,
 * never a short one that looks whole.
 */
/** Writes the chunks; resolves with the bytes written and, when the statement failed on the way, its code (394 when the client went away). */
async function pump(res: ServerResponse, gzip: boolean, first: IteratorResult<Buffer>, iterator: AsyncIterator<Buffer>, signal: AbortSignal, req: FastifyRequest, queryId: string): Promise<{ bytes: number; failed?: number }> {
  const zip = gzip ? createGzip() : undefined;
  // The response is ended here, not by the pipe: after an error it must not be.
  zip?.pipe(res, { end: false });
  const sink: Writable = zip ?? res;
  let bytes = 0;
  try {
    for (let next = first; !next.done; next = await iterator.next()) {
      bytes += next.value.length;
      if (!sink.write(next.value)) await once(sink, 'drain', { signal });
    }
    if (zip) {
      zip.end();
      await once(zip, 'end', { signal });
    }
    res.end();
    if (!res.writableFinished) await once(res, 'finish', { signal });
  } catch (err) {
    await iterator.return?.().catch(() => undefined);
    if (signal.aborted || res.destroyed) return { bytes, failed: 394 };
    const f = failure(err, req, queryId);
    req.log.warn({ queryId, code: f.code }, 'query failed after its first bytes were sent');
    const text = `\n${f.text}\n`;
    // socket.end() sends what is written, then closes: the text arrives, the final chunk never does.
    const close = () => res.socket?.end();
    if (zip) {
      zip.once('end', close);
      zip.end(text);
    } else res.write(text, close);
    return { bytes, failed: f.code };
  }
  return { bytes };
}
