// The second source of docs/design.md: POST /api/events with a JSON array of objects named like the
// CSV columns, or a text/csv body. Validated by the connector's own code (validateFields,
// parseRows); accepted events go Avro-encoded to <ns>.events (key user_id), rejections to the
// rejected topic, all of a request in one Kafka transaction. An event's identity is
// (http:<request id>, item number or physical CSV line), so the app must give every request a
// unique id (dashboard/app.ts uses random UUIDs and ignores client-sent ids).
// A plain (encapsulated) plugin: its content-type parsers, hooks and producer stay inside.
import { isUtf8 } from 'node:buffer';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { Kafka, Message } from 'kafkajs';
import type { ComponentStatus } from '../core/component-status.ts';
import type { Config, ValidationLimits } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import { createKafka } from '../core/kafka.ts';
import { eventKey, type RejectedRow, type ShopEvent } from '../core/event.ts';
import { createSchemaRegistry, encodeEvent, registerEventSchema } from '../core/avro.ts';
import { foreignEncoding, overlongRow, preview, utf16Bom, type RowRejection } from './csv-records.ts';
import { EmptyFileError, IngestError, MissingColumnsError, NotUtf8Error } from './errors.ts';
import { EventProducer, rejectedMessage } from './producer.ts';
import { REQUIRED_COLUMNS, parseRows, validateFields, type FieldValues } from './rows.ts';

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

export const HTTP_SOURCE_DEFAULTS = {
  bodyLimit: 5 << 20,
  // Events are an array of flat objects (depth 2); deeper bodies are refused before JSON.parse,
  // as 100k nested arrays would overflow the stack when an item is written as a rejection.
  maxJsonDepth: 32,
  // What one request may produce. The producer sends a transaction in requests of 512 KiB, under
  // the broker's message.max.bytes, so this bounds memory and transaction time, not Kafka. A
  // 5 MiB body (bodyLimit) of rows produces about 1.2 times its size (2 times for rows of a few
  // fields), rejected rows of ordinary length 3-5 times: well under it; only a body of mostly
  // tiny bad lines (each rejection is about 200 bytes) goes beyond.
  maxTransactionBytes: 32 << 20,
} as const;

/** The charsets a body may declare: UTF-8 and its subset ASCII. */
const UTF8_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii']);

export interface IngestReply {
  source_file: string;
  accepted: number;
  rejected: number;
  rejections: Array<{ line: number; reason: string }>;
}

/** A refused body: 4xx with the ingest code table's ING_ERR_BODY. */
class BodyError extends IngestError {
  constructor(
    detail: string,
    readonly statusCode = 400,
  ) {
    super('ING_ERR_BODY', detail);
  }
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact: integer literals of 16 or more digits
 * outside strings become strings before parsing (category ids are 19 digits). A body nested
 * deeper than `maxDepth` arrays/objects is refused (400 ING_ERR_BODY) before it is parsed.
 */
export function parseJsonKeepingBigIntegers(text: string, maxDepth: number = HTTP_SOURCE_DEFAULTS.maxJsonDepth): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > maxDepth) throw new BodyError(`JSON nested deeper than ${maxDepth} levels`);
    } else if (c === ']' || c === '}') depth--;
    else if (c === '-' || (c! >= '0' && c! <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) continue;
      const digits = m[0].replace('-', '').length;
      if (m[1] === undefined && m[2] === undefined && digits >= 16) {
        out += `${text.slice(last, i)}"${m[0]}"`;
        last = i + m[0].length;
      }
      i += m[0].length - 1;
    }
  }
  return JSON.parse(out + text.slice(last));
}

/** One JSON item as the CSV's field texts, or why it cannot be one. */
export function itemFields(item: unknown): FieldValues | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not a JSON object with the CSV field names';
  const fields = {} as FieldValues;
  const missing: string[] = [];
  for (const column of REQUIRED_COLUMNS) {
    const v = Object.hasOwn(item, column) ? (item as Record<string, unknown>)[column] : undefined;
    if (v === undefined) missing.push(column);
    else if (v === null) fields[column] = '';
    else if (typeof v === 'string') fields[column] = v.trim();
    else if (typeof v === 'number') {
      // Integer literals of 16 digits or more arrive as strings (parseJsonKeepingBigIntegers): an
      // integer beyond 2^53 here was written with a fraction or an exponent and lost its last digits.
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return `field ${column}: the number ${v} is not exact beyond 2^53; send it as a string`;
      fields[column] = String(v);
    }
    else return `field ${column} must be a string or a number`;
  }
  if (missing.length > 0) return `missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  return fields;
}

/** A request's source_file (http:<request id>) is unique by itself: its rows need no file id beside it. */
const REQUEST_FILE_ID = '';

/**
 * The Kafka records of a request, counted as they are made: past `maxBytes` the request is
 * refused (413) at once, before the rest of its body is parsed and held.
 */
class Outcome {
  readonly events: Message[] = [];
  readonly rejected: RejectedRow[] = [];
  private bytes = 0;

  constructor(
    readonly sourceFile: string,
    private readonly schemaId: number,
    private readonly maxBytes: number,
  ) {}

  accept(event: ShopEvent): void {
    const message = { key: eventKey(event), value: encodeEvent(this.schemaId, event) };
    this.count(message.key.length + message.value.length, event.source_line);
    this.events.push(message);
  }

  reject({ source_line, raw_line, reason }: RowRejection, rejected_at = Date.now()): void {
    const row: RejectedRow = { source_file: this.sourceFile, source_file_id: REQUEST_FILE_ID, source_line, raw_line, reason, rejected_at };
    this.count(Buffer.byteLength(String(rejectedMessage(row).value)) + this.sourceFile.length, source_line);
    this.rejected.push(row);
  }

  private count(bytes: number, line: number): void {
    this.bytes += bytes;
    if (this.bytes <= this.maxBytes) return;
    throw new BodyError(
      `the request would produce more than ${this.maxBytes} bytes of events and rejected rows (one Kafka transaction) by its row ${line}: split it`,
      413,
    );
  }
}

function fromJson(body: unknown, out: Outcome, limits: ValidationLimits): void {
  if (!Array.isArray(body)) throw new BodyError('expected a JSON array of objects');
  const now = Date.now();
  body.forEach((item, i) => {
    const raw = JSON.stringify(item) ?? '';
    const bytes = Buffer.byteLength(raw);
    if (bytes > limits.maxRowBytes) return out.reject({ source_line: i + 1, ...overlongRow(preview(Buffer.from(raw)), bytes, limits.maxRowBytes) }, now);
    const fields = itemFields(item);
    const result = typeof fields === 'string' ? fields : validateFields(fields, out.sourceFile, REQUEST_FILE_ID, i + 1, now, limits);
    if (typeof result !== 'string') out.accept(result);
    else out.reject({ source_line: i + 1, raw_line: raw, reason: result }, now);
  });
}

/** The CSV body as bytes: the parser itself rejects the rows that are not UTF-8. */
async function fromCsv(body: Buffer, out: Outcome, limits: ValidationLimits): Promise<void> {
  try {
    for await (const row of parseRows(Readable.from([body]), out.sourceFile, REQUEST_FILE_ID, limits)) {
      if (row.ok) out.accept(row.event);
      else out.reject(row);
    }
  } catch (err) {
    if (err instanceof MissingColumnsError) throw new BodyError(`the CSV header lacks ${err.missing.join(', ')}`);
    if (err instanceof EmptyFileError) throw new BodyError('the CSV body is empty: it has no header row');
    if (err instanceof NotUtf8Error) throw new BodyError(`the CSV body is not UTF-8: ${err.detected}; send UTF-8`, 415);
    throw err;
  }
}

/** The charset parameter of a Content-Type, lower case, if there is one. */
function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType ?? '');
  return m?.[2]!.toLowerCase();
}

const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    retriable: { type: 'boolean' },
  },
} as const;

export const httpSource: FastifyPluginAsync<HttpSourceOptions> = async (app, opts) => {
  const { config } = opts;
  const bodyLimit = opts.bodyLimit ?? HTTP_SOURCE_DEFAULTS.bodyLimit;
  const maxBytes = opts.maxTransactionBytes ?? HTTP_SOURCE_DEFAULTS.maxTransactionBytes;
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
  const eventProducer = producer;
  // A transactional producer runs one transaction at a time: requests commit in turn.
  let queue: Promise<unknown> = Promise.resolve();
  const commit = (events: Message[], rejected: RejectedRow[]) => {
    const done = queue.then(() => eventProducer.commit({ events, rejected }));
    queue = done.catch(() => undefined);
    return done;
  };

  // Only these two body types; fastify answers 415 for any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    try {
      // JSON is UTF-8 (RFC 8259): other bytes would be stored as U+FFFD without a word. UTF-16
      // and UTF-32 are told apart by their NUL bytes or BOM (RFC 4627's detection).
      const bom = utf16Bom(body as Buffer);
      const foreign = foreignEncoding(body as Buffer) ?? (bom && `${bom.toUpperCase()} detected (byte order mark)`);
      if (foreign) throw new BodyError(`the JSON body is not UTF-8: ${foreign}; send UTF-8`, 415);
      if (!isUtf8(body as Buffer)) throw new BodyError('the JSON body is not valid UTF-8: re-encode it');
      done(null, parseJsonKeepingBigIntegers((body as Buffer).toString('utf8')));
    } catch (err) {
      done(err instanceof BodyError ? err : new BodyError(`unparsable JSON: ${(err as Error).message}`), undefined);
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
    '/api/events',
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
          400: errorSchema,
          401: errorSchema,
          413: errorSchema,
          415: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (req): Promise<IngestReply> => {
      const sourceFile = `http:${req.id}`;
      const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
      const outcome = new Outcome(sourceFile, schemaId, maxBytes);
      if (type === 'text/csv') await fromCsv(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), outcome, config.ingest);
      else if (type === 'application/json') fromJson(req.body, outcome, config.ingest);
      else throw new BodyError('send application/json or text/csv', 415);
      try {
        await commit(outcome.events, outcome.rejected);
      } catch (err) {
        req.log.error({ err }, 'http source: transaction failed');
        throw Object.assign(new Error(`nothing was stored, retry the request: ${(err as Error).message}`), {
          statusCode: 503,
          code: 'ING_ERR_PRODUCE',
        });
      }
      return {
        source_file: sourceFile,
        accepted: outcome.events.length,
        rejected: outcome.rejected.length,
        rejections: outcome.rejected.map((r) => ({ line: r.source_line, reason: r.reason })),
      };
    },
  );
};
