// A ClickHouse HTTP interface request (https://clickhouse.com/docs/interfaces/http) read into
// what the store runs: the statement (the `query` parameter, then the body), default_format,
// database, bound parameters `param_<name>`, and the settings a read-only user may change.
import { FORMAT_NAME } from '../../aggregates/read-only.ts';
import { QUERY_DEFAULTS } from './defaults.ts';

export interface EndpointRequest {
  query: string;
  defaultFormat: string;
  database: string;
  params: Record<string, string | null>;
  settings: Record<string, string>;
  queryId?: string;
  /** enable_http_compression=1: gzip when the client accepts it. */
  compress: boolean;
}

/** A request the endpoint refuses, answered as ClickHouse would: code, type and HTTP status. */
export class EndpointError extends Error {
  override name = 'EndpointError';
  constructor(
    readonly code: number,
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Output and limit settings; nothing that reads or writes files (format_schema, output_format_schema, templates) nor changes rights. */
const SETTINGS_ALLOWED = new RegExp(
  '^(output_format_(json|csv|tsv|parquet|arrow|orc|pretty|markdown|native|avro|bool|decimal)_\\w+|output_format_decimal_trailing_zeros' +
    '|format_csv_\\w+|format_tsv_null_representation|date_time_output_format|date_time_input_format|session_timezone|extremes|join_use_nulls' +
    '|max_result_rows|max_result_bytes|result_overflow_mode|max_execution_time|timeout_overflow_mode|max_rows_to_read|max_bytes_to_read' +
    '|read_overflow_mode|max_block_size|max_threads|max_memory_usage)$',
);
/** Turns row formats into one JSON array: the rows would no longer stream chunk by chunk. */
const SETTINGS_REFUSED = new Set(['output_format_json_array_of_rows']);
/** Parameters of the HTTP layer or of client housekeeping, taken here or harmlessly left aside. */
const HTTP_PARAMS = new Set([
  'query', 'default_format', 'database', 'query_id', 'enable_http_compression', 'readonly', 'session_id', 'session_timeout',
  'session_check', 'compress', 'decompress', 'http_zlib_compression_level', 'wait_end_of_query', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'buffer_size', 'http_response_buffer_size', 'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close', 'http_native_compression_disable_checksumming_on_decompress',
  'quota_key', 'role', 'user', 'client_protocol_version',
]);

/** `{name:Type}` placeholders of a statement: a string value of a scalar type is sent escaped (\t, \n, \\, \'). */
function placeholderTypes(query: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of query.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g)) types.set(m[1]!, m[2]!);
  return types;
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', 0: '\0', a: '\x07', v: '\v' };

/**
 * An HTTP parameter's text (ClickHouse's escaped form) as the value the store binds: a string for
 * scalar types unescaped, composite types (Array, Tuple, Map) in their text form, `\N` as NULL.
 */
export function paramValue(text: string, type: string | undefined): string | null {
  if (text === '\\N') return null;
  const inner = (type ?? '').replace(/^\s*(Nullable|LowCardinality)\s*\(\s*/gi, '');
  if (/^(Array|Tuple|Map|Nested)\b/i.test(inner)) return text;
  return text.replace(/\\(x[0-9A-Fa-f]{2}|[\s\S])/g, (_all, c: string) =>
    c.length === 3 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (ESCAPES[c] ?? c),
  );
}

/**
 * What a request may do: `read-only` (the query endpoint) changes only the settings of
 * SETTINGS_ALLOWED and never makes system the current database; `read-write` (the dev store
 * server) changes any setting.
 */
export type EndpointAccess = 'read-only' | 'read-write';

export function readRequest(search: URLSearchParams, body: string | undefined, defaultDatabase: string, access: EndpointAccess = 'read-only'): EndpointRequest {
  const urlQuery = search.get('query') ?? '';
  const query = [urlQuery, body ?? ''].filter((q) => q.trim() !== '').join('\n');
  if (query.trim() === '') throw new EndpointError(62, 'SYNTAX_ERROR', 400, 'Empty query');
  const defaultFormat = search.get('default_format') ?? QUERY_DEFAULTS.format;
  if (!FORMAT_NAME.test(defaultFormat)) throw new EndpointError(73, 'UNKNOWN_FORMAT', 400, `Unknown format ${JSON.stringify(defaultFormat)}`);
  const database = search.get('database') ?? defaultDatabase;
  if (!NAME.test(database)) throw new EndpointError(81, 'UNKNOWN_DATABASE', 404, `Database ${JSON.stringify(database)} does not exist`);
  // USE system would make every system table a bare name the read-only rule does not see as one.
  if (access === 'read-only' && database.toLowerCase() === 'system') throw new EndpointError(164, 'READONLY', 403, 'refused the database system as the current database: name system tables as system.<table>');

  const types = placeholderTypes(query);
  const params: Record<string, string | null> = {};
  const settings: Record<string, string> = {};
  for (const [key, value] of search) {
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!NAME.test(name)) throw new EndpointError(36, 'BAD_ARGUMENTS', 400, `bad query parameter name ${JSON.stringify(name)}`);
      params[name] = paramValue(value, types.get(name));
    } else if (HTTP_PARAMS.has(key)) {
      continue;
    } else if (access === 'read-write' ? NAME.test(key) : SETTINGS_ALLOWED.test(key) && !SETTINGS_REFUSED.has(key)) {
      settings[key] = value;
    } else {
      // What ClickHouse answers a read-only user (readonly=1) changing a setting.
      throw new EndpointError(164, 'READONLY', 403, `Cannot modify '${key.slice(0, 100)}' setting in readonly mode`);
    }
  }
  const queryId = search.get('query_id') ?? undefined;
  return { query, defaultFormat, database, params, settings, compress: search.get('enable_http_compression') === '1', ...(queryId ? { queryId } : {}) };
}
