// The dev store server's HTTP app: ClickHouse's HTTP interface (https://clickhouse.com/docs/interfaces/http),
// read and write, over the embedded engine of this process, for processes whose CLICKHOUSE_URL
// names it. Test and development infrastructure: production's store is a ClickHouse server or
// cluster. What @clickhouse/client uses: `GET /?query=` and `POST /` with the statement in
// `query` and/or the body, `database`, `default_format`, `param_<name>`, settings, `query_id`,
// `readonly`, `enable_http_compression`; an INSERT in `query` takes its rows from the body, in any
// input format the engine reads, compressed as its Content-Encoding says; `GET /ping`. Requests
// are read and errors answered as by the read-only query endpoint (../query/).
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { text } from 'node:stream/consumers';
import { createBrotliDecompress, createGunzip, createInflate, gzipSync } from 'node:zlib';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { FORMAT_CLAUSE } from '../../aggregates/read-only.ts';
import { isCompressionSupported, isDataInsert } from '../../aggregates/infile-insert.ts';
import type { ServedEngine } from '../../aggregates/served-engine.ts';
import type { Logger } from '../../core/logger.ts';
import { contentType, failure, sendFailure } from '../query/app.ts';
import { EndpointError, readRequest } from '../query/request.ts';

export interface DevStoreAppOptions {
  engine: ServedEngine;
  /** Where insert bodies wait for the engine to read them (a directory without glob characters: FROM INFILE reads its path as a glob). */
  spool: string;
  logger: Logger;
}

/** The engine's database when a request names none, as a ClickHouse server's. */
const DEFAULT_DATABASE = 'default';

/** A statement's text in the body, decompressed as Node can (the rows of an insert the engine decompresses itself). */
const TEXT_DECODERS: Record<string, () => NodeJS.ReadWriteStream> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

function contentEncoding(header: string | string[] | undefined): string | undefined {
  const encoding = String(header ?? '').trim().toLowerCase();
  return encoding === '' || encoding === 'identity' ? undefined : encoding;
}

function unsupportedEncoding(encoding: string): EndpointError {
  return new EndpointError(36, 'BAD_ARGUMENTS', 400, `Content-Encoding ${JSON.stringify(encoding)} is not taken here`);
}

async function bodyText(body: Readable, encoding: string | undefined): Promise<string> {
  if (encoding === undefined) return text(body);
  const decoder = TEXT_DECODERS[encoding];
  if (!decoder) throw unsupportedEncoding(encoding);
  return text(body.pipe(decoder()));
}

export async function buildDevStoreApp(opts: DevStoreAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'dev-store-server' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // The client's query_id names the request in the answer and the log, as ClickHouse's does.
    genReqId: (req) => new URL(req.url ?? '/', 'http://x').searchParams.get('query_id') || randomUUID(),
    requestIdHeader: false,
    forceCloseConnections: true,
    exposeHeadRoutes: false,
  });
  app.removeAllContentTypeParsers();
  // The body stays a stream: an insert's rows go to a file as they arrive.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  app.setErrorHandler((err, req, reply) => sendFailure(reply, failure(err, req, req.id), req.id));
  app.setNotFoundHandler((req, reply) =>
    sendFailure(reply, failure(new EndpointError(36, 'BAD_ARGUMENTS', 404, `no ${req.method} ${req.url.split('?', 1)[0]}: the dev store server answers GET /?query=, POST / and GET /ping`), req, req.id), req.id),
  );

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
      const body = req.body instanceof Readable ? req.body : undefined;
      const encoding = contentEncoding(req.headers['content-encoding']);
      const rows = body && isDataInsert(search.get('query') ?? '') ? { file: join(opts.spool, randomUUID()), ...(encoding ? { compression: encoding } : {}) } : undefined;
      try {
        if (rows) {
          if (encoding !== undefined && !isCompressionSupported(encoding)) throw unsupportedEncoding(encoding);
          await pipeline(body!, createWriteStream(rows.file));
        }
        const request = readRequest(search, body && !rows ? await bodyText(body, encoding) : undefined, DEFAULT_DATABASE, 'read-write');
        const format = FORMAT_CLAUSE.exec(request.query.trim().replace(/;\s*$/, ''))?.[1] ?? request.defaultFormat;
        const started = Date.now();
        const result = await opts.engine.run({
          sql: request.query,
          format: request.defaultFormat,
          database: request.database,
          databaseIfExists: !search.has('database'),
          settings: request.settings,
          params: request.params,
          readonly: (search.get('readonly') ?? '0') !== '0',
          ...(rows ? { rows } : {}),
        });
        req.log.debug({ queryId: req.id, insert: rows !== undefined, bytes: result.bytes.length, ms: Date.now() - started }, 'statement served');
        const written = rows ? result.rowsRead : 0;
        const summary = { read_rows: String(result.rowsRead), read_bytes: String(result.bytesRead), written_rows: String(written), written_bytes: rows ? String(result.bytesRead) : '0', result_rows: '0', result_bytes: String(result.bytes.length), elapsed_ns: String(Math.round(result.elapsedSeconds * 1e9)) };
        const gzip = request.compress && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
        reply
          .code(200)
          .header('content-type', contentType(format))
          .header('x-clickhouse-format', format)
          .header('x-clickhouse-query-id', req.id)
          .header('x-clickhouse-timezone', 'UTC')
          .header('x-clickhouse-server-display-name', 'salesinsights-dev-store')
          .header('x-clickhouse-summary', JSON.stringify(summary));
        if (gzip) reply.header('content-encoding', 'gzip');
        return reply.send(gzip ? gzipSync(result.bytes) : result.bytes);
      } finally {
        if (rows) await rm(rows.file, { force: true });
      }
    },
  });
  return app;
}
