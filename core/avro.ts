// Avro encoding of the shop event through the schema registry (Confluent wire format: magic
// byte, 4-byte schema id, Avro body). avsc's default long refuses values above 2^53, so the
// plain "long" ids decode as bigint through a custom long type. Timestamps, declared as
// {"type": "long", "logicalType": "timestamp-millis"}, keep avsc's number long (safe to 2^53 ms).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import type { ShopEvent } from './event.ts';
import { maxShopEventBytes, writeShopEvent } from './shop-event-codec.ts';

/** avsc copies the bytes of a long out at once, so one scratch buffer serves every write. */
const longScratch = Buffer.alloc(8);

export const BigIntLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    longScratch.writeBigInt64LE(n);
    return longScratch;
  },
  fromJSON: (v: unknown) => BigInt(v as string | number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/**
 * Options for avsc's forSchema. avsc records every named type in `registry`, so each parse
 * needs a fresh one: the getter hands out a new registry whenever the options are spread
 * (as @kafkajs/confluent-schema-registry does), and `avroOptions()` does so for our own parses.
 */
export const avroTypeOptions = {
  get registry() {
    return { long: BigIntLong };
  },
} as unknown as Partial<avro.ForSchemaOptions>;

export function avroOptions(): Partial<avro.ForSchemaOptions> {
  return { ...avroTypeOptions };
}

export function readSchema(name: string): avro.Schema {
  const path = fileURLToPath(new URL(`./schemas/${name}.avsc`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as avro.Schema;
}

/** This build's schema. A change is a new version beside the old ones, compatible BACKWARD. */
export const SHOP_EVENT_SCHEMA = readSchema('shop-event-v2');
export const shopEventType = avro.Type.forSchema(SHOP_EVENT_SCHEMA, avroOptions());

/**
 * Per registry request. The client sets none, so a registry that accepts the connection and never
 * answers would hold the connector's open (or a decode) forever; a timed-out request is retried
 * like any failure, and the callers' own backoff takes over after that.
 */
export const REGISTRY_REQUEST_TIMEOUT_MS = 10_000;

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

export function createSchemaRegistry(url: string, requestTimeoutMs = REGISTRY_REQUEST_TIMEOUT_MS): SchemaRegistry {
  // The same middleware; TypeScript sees mappersmith's ESM and CommonJS declarations as two types.
  const timeout = TimeoutMiddleware(requestTimeoutMs) as unknown as RegistryMiddleware;
  return new SchemaRegistry({ host: url, middlewares: [timeout] }, { [SchemaType.AVRO]: avroTypeOptions });
}

/**
 * Registry answers that no retry changes: bad credentials, a wrong URL, an incompatible or
 * invalid schema (the client's own checks throw errors named ConfluentSchemaRegistry...).
 * Anything else (a timeout, a refused connection, a 5xx; the client reports the first two as
 * status 400) is the registry away or slow, and worth waiting for.
 */
const REGISTRY_REFUSALS = new Set([401, 403, 404, 409, 422]);

export function isRegistryRefusal(err: unknown): boolean {
  if (err instanceof Error && err.name.startsWith('ConfluentSchemaRegistry')) return true;
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && REGISTRY_REFUSALS.has(status);
}

/**
 * Processes that register a new subject at once (connectors starting together) each set its
 * compatibility after registering, and Apicurio's ccompat API refuses all but the first with this.
 */
const COMPATIBILITY_SET_MEANWHILE = /A rule named 'COMPATIBILITY' already exists/;

/**
 * Registers the event schema under `<ns>.events-value` with BACKWARD compatibility. Refused only
 * because another process set the compatibility meanwhile, it asks once more: then it finds the
 * subject's compatibility set and registers (the same schema: the same id).
 */
export async function registerEventSchema(registry: Pick<SchemaRegistry, 'register'>, namespace: string, schema = SHOP_EVENT_SCHEMA): Promise<number> {
  const register = () =>
    registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${namespace}.events-value`, compatibility: COMPATIBILITY.BACKWARD });
  try {
    return (await register()).id;
  } catch (err) {
    if (!COMPATIBILITY_SET_MEANWHILE.test((err as Error | undefined)?.message ?? '')) throw err;
    return (await register()).id;
  }
}

/**
 * Records are encoded one after the other into a shared slab and handed out as views of it, as
 * Node's own Buffer pool does: no allocation, zero-fill or copy per record. A view keeps its slab
 * alive only as long as the record itself is kept.
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafe(SLAB_BYTES);
let slabUsed = 0;

/** Encodes without a registry round trip: the wire format is the magic byte and the id. */
export function encodeEvent(schemaId: number, event: ShopEvent): Buffer {
  const room = 5 + maxShopEventBytes(event);
  if (slab.length - slabUsed < room) {
    slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, room));
    slabUsed = 0;
  }
  const start = slabUsed;
  slab[start] = 0;
  slab.writeInt32BE(schemaId, start + 1);
  slabUsed = writeShopEvent(event, slab, start + 5);
  return slab.subarray(start, slabUsed);
}
