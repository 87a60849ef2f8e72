// The shop event: one row of the dataset, validated, with its identity (source file, file id, line).
// Field names follow the CSV header, the Avro schema and the ClickHouse columns, so no layer
// renames anything. Ids are bigint (category ids exceed 2^53); money is integer cents.
import { TextBytes } from './text-bytes.ts';

export const EVENT_TYPES = ['view', 'cart', 'remove_from_cart', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ShopEvent {
  /** Epoch milliseconds, whole seconds. */
  event_time: number;
  event_type: EventType;
  product_id: bigint;
  category_id: bigint;
  category_code: string | null;
  brand: string | null;
  price_cents: number;
  user_id: bigint;
  user_session: string | null;
  source_file: string;
  /** Which file of that name (sourceFileId); empty where the name is unique by itself. */
  source_file_id: string;
  source_line: number;
  /** Epoch milliseconds when the connector read the row. */
  ingested_at: number;
}

/** A row that failed validation: kept with its reason, never dropped. */
export interface RejectedRow {
  source_file: string;
  source_file_id: string;
  source_line: number;
  raw_line: string;
  reason: string;
  rejected_at: number;
}

/**
 * The id that tells apart files ingested under one name (a daily `orders.csv`): the first 16 hex
 * digits (64 bits) of the SHA-256 of the content its ingestion began with. Derived from the
 * content, so a resumed or re-delivered file's rows keep their identity; 64 bits, since only
 * files sharing a name need to differ, and the id travels with every event.
 */
export function sourceFileId(contentSha256Hex: string): string {
  return contentSha256Hex.slice(0, 16);
}

/** The nine CSV fields, the duplicate test of docs/design.md: exact duplicates share this key. */
export function contentKey(e: ShopEvent): string {
  return plainContentKey(e) ?? quotedContentKey(e);
}

/**
 * The key's definition. Numbers cannot hold the separator; the free-text fields are JSON-quoted
 * so none can forge it. Checkpoints hold these keys, so the text must never change.
 */
function quotedContentKey(e: ShopEvent): string {
  return `${e.event_time}|${e.event_type}|${e.product_id}|${e.category_id}|${e.price_cents}|${e.user_id}|${JSON.stringify([e.category_code ?? '', e.brand ?? '', e.user_session ?? ''])}`;
}

const keyBytes = new TextBytes(256);
const PIPE = 0x7c;

/**
 * The same text written as bytes when every text field is plain ASCII that JSON quotes as it is
 * (nearly every event): one flat string, no BigInt-to-string, no JSON. Undefined otherwise.
 * Every window holds a key per event until it closes, so their cost shows in the collections.
 */
function plainContentKey(e: ShopEvent): string | undefined {
  const out = keyBytes;
  out.reset();
  out.int(e.event_time).byte(PIPE);
  if (!out.plain(e.event_type)) return undefined;
  out.byte(PIPE).id(e.product_id).byte(PIPE).id(e.category_id).byte(PIPE).int(e.price_cents).byte(PIPE).id(e.user_id).ascii('|["');
  if (!out.plain(e.category_code ?? '')) return undefined;
  out.ascii('","');
  if (!out.plain(e.brand ?? '')) return undefined;
  out.ascii('","');
  if (!out.plain(e.user_session ?? '')) return undefined;
  return out.ascii('"]').latin1();
}

/** Bytes of record keys handed out from one buffer before the next is started. */
const KEY_SLAB_BYTES = 64 * 1024;
let keySlab = new TextBytes(KEY_SLAB_BYTES);

/**
 * The event's record key on the events topic: user_id in decimal (the text of String(user_id)),
 * as bytes. A Buffer key is hashed by the partitioner and copied into the record as it is; a
 * string key is converted to bytes for each. Keys are views of a
 * shared buffer, as encodeEvent's values are: a full one is left to its views and a new one started.
 */
export function eventKey(e: ShopEvent): Buffer {
  if (keySlab.length > KEY_SLAB_BYTES - 32) keySlab = new TextBytes(KEY_SLAB_BYTES);
  const start = keySlab.length;
  return keySlab.id(e.user_id).view(start);
}

export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
