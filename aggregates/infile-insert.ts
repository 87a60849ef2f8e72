// An INSERT whose data comes after the statement (ClickHouse's HTTP interface: the statement in
// the URL, the rows as the body) turned into one that reads them from a file, as the embedded
// store's own inserts do (embedded-store.ts): chDB takes the statement as text, so binary rows
// cannot follow it inline.
import { sqlString } from './engine-session.ts';

/**
 * `INSERT INTO [TABLE] target [(columns)] [SETTINGS …] [FORMAT name | VALUES]`: an insert that
 * expects its rows after it (not one with a SELECT, nor one with its rows inline).
 */
const DATA_INSERT = /^\s*INSERT\s+INTO\s+(?:TABLE\s+)?(?<target>[^\s(]+(?:\s*\([^()]*\))?)\s*(?<settings>SETTINGS\s+[\s\S]*?)?\s*(?:FORMAT\s+(?<format>[A-Za-z_][A-Za-z0-9_]*)|(?<values>VALUES))?\s*;?\s*$/i;

/** The compressions FROM INFILE reads (ClickHouse's COMPRESSION clause), by HTTP Content-Encoding. */
const COMPRESSIONS = new Set(['gzip', 'deflate', 'br', 'xz', 'zstd', 'lz4', 'bz2', 'snappy']);

export function isCompressionSupported(encoding: string): boolean {
  return COMPRESSIONS.has(encoding);
}

/** Does the statement take its rows from the data after it (the HTTP body)? */
export function isDataInsert(statement: string): boolean {
  return DATA_INSERT.test(statement);
}

/**
 * The insert reading its rows from `file`, compressed with `compression` (a Content-Encoding,
 * isCompressionSupported) when given. Without FORMAT the rows are TabSeparated, as ClickHouse's
 * HTTP interface reads them.
 */
export function insertFromFile(statement: string, file: string, compression?: string): string {
  const m = DATA_INSERT.exec(statement);
  if (!m?.groups) throw new Error('not an INSERT that takes its rows after the statement');
  const { target, settings, format, values } = m.groups;
  if (compression !== undefined && !isCompressionSupported(compression)) throw new Error(`unknown compression ${JSON.stringify(compression)}`);
  return [
    `INSERT INTO ${target!} FROM INFILE ${sqlString(file)}`,
    compression === undefined ? '' : ` COMPRESSION ${sqlString(compression)}`,
    settings === undefined ? '' : ` ${settings.trim()}`,
    ` FORMAT ${format ?? (values ? 'Values' : 'TabSeparated')}`,
  ].join('');
}
