// POST /api/events: the second source of docs/design.md, a JSON array of objects named like the
// CSV columns (ingest/json-events.ts) or a text/csv body (ingest/csv-events.ts), validated by the
// connector's own code; a request's events and rejected rows go to Kafka in one transaction
// (ingest/request-batch.ts). An event's identity is (http:<request id>, item number or physical
// CSV line), so the app must give every request a unique id (../app.ts uses random UUIDs and
// ignores client-sent ids).
// A plain (encapsulated) plugin: its content-type parsers, hooks and producer stay inside.
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { Kafka } from 'kafkajs';
import type { ComponentStatus } from '../../core/component-status.ts';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { createKafka } from '../../core/kafka.ts';
import { createSchemaRegistry, registerEventSchema } from '../../core/avro.ts';
import { readCsvEvents } from '../../ingest/csv-events.ts';
import { BodyError } from '../../ingest/errors.ts';
import { parseJsonBody, readJsonEvents } from '../../ingest/json-events.ts';
import { EventProducer } from '../../ingest/producer.ts';
import { BatchCommitter, MAX_TRANSACTION_BYTES, RequestBatch } from '../../ingest/request-batch.ts';
import { errorReplies } from '../schemas.ts';

export interface HttpSourceOptions {
  config: Config;
  /** A connected producer owned by the caller; otherwise the plugin builds (and closes) its own. */
  producer?: EventProducer;
  /** Kafka client for the plugin's own producer (default: built from config). */
  kafka?: Kafka;
  /** The registered event schema id (default: registered at start-up). */
  schemaId?: number;
  /** For the plugin's own producer; default `<ns>.http-source`. */
  transactionalId?: string;
  /** The plugin's own producer reports its recovery here (and logs it to `logger`). */
  status?: ComponentStatus;
  logger?: Logger;
  bodyLimit?: number;
  /** Bytes one request may produce: each request is one bounded Kafka transaction. */
  maxTransactionBytes?: number;
}

/** The largest body, after gzip is undone. */
const BODY_LIMIT = 5 << 20;

/** The charsets a body may declare: UTF-8 and its subset ASCII. */
const UTF8_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii']);

interface IngestReply {
  source_file: string;
  accepted: number;
  rejected: number;
  rejections: Array<{ line: number; reason: string }>;
}

/** The charset parameter of a Content-Type, lower case, if there is one. */
function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType ?? '');
  return m?.[2]!.toLowerCase();
}

const eventsRoutes: FastifyPluginAsync<HttpSourceOptions> = async (app, opts) => {
  const { config } = opts;
  const bodyLimit = opts.bodyLimit ?? BODY_LIMIT;
  const maxBytes = opts.maxTransactionBytes ?? MAX_TRANSACTION_BYTES;
  const schemaId = opts.schemaId ?? (await registerEventSchema(createSchemaRegistry(config.schemaRegistryUrl), config.namespace));
  let producer = opts.producer;
  if (!producer) {
    const own = new EventProducer(
      opts.kafka ?? createKafka(config, 'salesinsights-http-source'),
      config.namespace,
      opts.transactionalId ?? `${config.namespace}.http-source`,
      // While Kafka is away requests answer 503 ING_ERR_PRODUCE and the producer is re-created.
      { status: opts.status, logger: opts.logger },
    );
    await own.connect();
    app.addHook('onClose', async () => own.disconnect());
    producer = own;
  }
  const committer = new BatchCommitter(producer);

  // Only these two body types; fastify answers 415 for any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (err) {
      done(err as BodyError, undefined);
    }
  });
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  // Before the body is read: its charset must be UTF-8 (nothing is transcoded), and a gzip body
  // is decompressed as it arrives, so that bodyLimit bounds the decompressed bytes (a gzip bomb
  // ends in a 413 at 5 MiB) while fastify checks Content-Length against the bytes received.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const charset = charsetOf(req.headers['content-type']);
    if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
      throw new BodyError(`charset "${charset.slice(0, 40)}" is not taken: send the body in UTF-8 (charset=utf-8)`, 415);
    }
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw new BodyError(`content encoding "${encoding.slice(0, 40)}" is not taken: send the body as it is or with gzip`, 415);
    }
    const gunzip = Object.assign(createGunzip(), { receivedEncodedLength: 0 });
    payload.on('data', (chunk: Buffer) => (gunzip.receivedEncodedLength += chunk.length));
    return pipeline(payload, gunzip, () => undefined);
  });
  // fastify's own body errors (too large, another type, a bad content-length) answer the
  // documented ING_ERR_BODY; the app's error handler writes the common error body.
  app.setErrorHandler((err: FastifyError, req) => {
    // zlib's codes: a body sent as gzip that is not.
    if (err.code?.startsWith('Z_')) throw new BodyError(`the gzip body cannot be decompressed: ${err.message}`);
    if (!err.code?.startsWith('FST_ERR_CTP_')) throw err;
    const status = err.statusCode ?? 400;
    if (status === 413) throw new BodyError(`the body is larger than ${bodyLimit} bytes: split it`, 413);
    if (status === 415) {
      const type = String(req.headers['content-type'] ?? '').slice(0, 100);
      throw new BodyError(`content type "${type}" is not taken: send application/json or text/csv`, 415);
    }
    throw new BodyError(err.message, status);
  });

  app.post(
    '/events',
    {
      bodyLimit,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              source_file: { type: 'string' },
              accepted: { type: 'integer' },
              rejected: { type: 'integer' },
              rejections: {
                type: 'array',
                items: { type: 'object', properties: { line: { type: 'integer' }, reason: { type: 'string' } } },
              },
            },
          },
          ...errorReplies(400, 401, 413, 415, 503),
        },
      },
    },
    async (req): Promise<IngestReply> => {
      const sourceFile = `http:${req.id}`;
      const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
      const batch = new RequestBatch(sourceFile, schemaId, maxBytes);
      if (type === 'text/csv') await readCsvEvents(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), batch, config.ingest);
      else if (type === 'application/json') readJsonEvents(req.body, batch, config.ingest);
      else throw new BodyError('send application/json or text/csv', 415);
      try {
        await committer.commit(batch);
      } catch (err) {
        req.log.error({ err }, 'http source: transaction failed');
        throw Object.assign(new Error(`nothing was stored, retry the request: ${(err as Error).message}`), {
          statusCode: 503,
          code: 'ING_ERR_PRODUCE',
        });
      }
      return {
        source_file: sourceFile,
        accepted: batch.events.length,
        rejected: batch.rejected.length,
        rejections: batch.rejected.map((r) => ({ line: r.source_line, reason: r.reason })),
      };
    },
  );
};

export default eventsRoutes;
