// The read-only rule of `sql`, `export` and the query endpoint: one statement whose AST
// (ClickHouse's own parser, EXPLAIN AST) passes an allowlist, then run with readonly=1.
// ClickHouse's readonly=1 refuses writes and most table functions, but not INTO OUTFILE, the
// file() function, s3() or KILL QUERY (checked on chDB), so the AST decides first: statement
// kinds, table functions, system tables; no INTO OUTFILE, no SETTINGS.
import type { RawReadOptions, Store } from './store.ts';

/** ClickHouse's SYNTAX_ERROR: the text is no statement at all. */
const SYNTAX_ERROR = 62;
// From the text, which every client's error carries (store.ts's clickHouseCode would load the clients into `sql`).
const isSyntaxError = (err: unknown) => /\bCode: 62\. /.test(String((err as Error | undefined)?.message ?? err));

export class ReadOnlyQueryError extends Error {
  override name = 'ReadOnlyQueryError';
  constructor(
    /** What was refused, e.g. `the function file()`, `INTO OUTFILE`. */
    readonly refused: string,
  ) {
    super(`refused ${refused}: only one read-only statement on the store's tables is allowed`);
  }
}

/** A text ClickHouse cannot parse as any statement: the engine's SYNTAX_ERROR, about the text alone. */
export class QuerySyntaxError extends Error {
  override name = 'QuerySyntaxError';
  /** ClickHouse's, as its errors carry them (clickHouseCode). */
  readonly code = String(SYNTAX_ERROR);
  readonly type = 'SYNTAX_ERROR';
}

// A first cheap look (not every statement parses under EXPLAIN AST); the AST decides.
const READ_STATEMENT = /^\(*\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;
const STATEMENTS = new Set([
  'SelectWithUnionQuery', 'ShowTables', 'ShowColumns', 'DescribeQuery', 'ExistsTableQuery', 'ExistsDatabaseQuery',
  'ExistsViewQuery', 'ShowCreateTableQuery', 'ShowCreateViewQuery', 'ShowCreateDatabaseQuery', 'Explain',
]);
// Table functions that only compute from their arguments (or, view(), from a checked subquery).
const TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generaterandom', 'generate_series', 'format', 'null', 'view', 'fuzzjson']);
// Scalar functions that read outside the store: files, dictionaries (external sources), Join tables, models.
const SCALAR_DENIED = /^(file|dict\w*|joinget\w*|catboostevaluate|filesystem\w*)$/;
// The system tables about the store's own data; the others expose host paths, processes, users or logs.
const SYSTEM_TABLES = new Set([
  'one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'databases', 'tables', 'columns', 'parts', 'parts_columns',
  'projection_parts', 'merges', 'mutations', 'functions', 'table_functions', 'table_engines', 'formats',
  'data_type_families', 'settings', 'time_zones', 'events', 'metrics', 'errors', 'keywords', 'collations',
]);
// Children of a statement node: a Literal there is an INTO OUTFILE target.
const STATEMENT_HOLDERS = new Set(['SelectWithUnionQuery', 'Explain']);
/** A trailing `FORMAT <name>` clause (the last clause a statement may have; SETTINGS are refused anyway). */
export const FORMAT_CLAUSE = /\s+FORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*$/i;
export const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

interface AstNode {
  depth: number;
  type: string;
  rest: string;
}

/** The reason a parsed query is refused, or undefined when every node is allowed. */
export function refusal(astLines: string[]): string | undefined {
  const stack: AstNode[] = [];
  for (const line of astLines) {
    const m = /^( *)([A-Z][A-Za-z]*)(.*)$/.exec(line);
    const depth = m?.[1]!.length ?? -1;
    // A line break inside a quoted alias could forge node lines: anything off the tree's shape is refused.
    if (!m || depth > stack.length || (depth === 0 && stack.length > 0)) return 'a statement it cannot check';
    stack.length = depth;
    const node = { depth, type: m[2]!, rest: m[3]!.trim() };
    const parent = stack[depth - 1];
    stack.push(node);
    if (!parent) {
      if (!STATEMENTS.has(node.type)) return `the statement ${node.type.replace(/Query$/, '')}`;
      continue;
    }
    const name = node.rest.split(/\s/, 1)[0] ?? '';
    if (node.type === 'Function') {
      const fn = name.toLowerCase();
      if (parent.type === 'TableExpression' ? !TABLE_FUNCTIONS.has(fn) : SCALAR_DENIED.test(fn)) return `the function ${name}()`;
    } else if (node.type === 'TableIdentifier' || node.type === 'Identifier') {
      const [db, table] = name.split('.');
      if (db?.toLowerCase() === 'system' && table !== undefined && !SYSTEM_TABLES.has(table.toLowerCase())) return `the table ${name}`;
    } else if (node.type === 'Literal' && STATEMENT_HOLDERS.has(parent.type)) {
      return 'INTO OUTFILE';
    } else if (node.type === 'Set') {
      return 'SETTINGS';
    }
  }
  return stack.length > 0 ? undefined : 'an empty statement';
}

/**
 * Throws the engine's SYNTAX_ERROR (Code 62) when ClickHouse cannot parse `sql` as a statement of
 * any kind: such a text is a mistake to fix, not a statement to refuse. formatQuery only parses.
 */
async function parse(store: Store, sql: string): Promise<void> {
  // chDB, like clickhouse-local, reads an unknown first word as an implicit SELECT of a column
  // (`SELEC 1`: the column SELEC); a server does not, and may not know the setting.
  const settings = store.mode === 'embedded' ? { settings: { implicit_select: '0' } } : {};
  try {
    for await (const chunk of store.readRaw('SELECT formatQuery({statement:String})', { format: 'TabSeparatedRaw', params: { statement: sql }, ...settings })) void chunk;
  } catch (err) {
    if (!isSyntaxError(err)) throw err;
    // Without the engine's `In scope SELECT formatQuery(…)`, which is this check's, not the statement's.
    const message = String((err as Error).message).trim();
    const scope = message.lastIndexOf(': In scope SELECT formatQuery(');
    throw new QuerySyntaxError(scope < 0 ? message : `${message.slice(0, scope)}. (SYNTAX_ERROR)`);
  }
}

async function explainAst(store: Store, query: string, params: Record<string, string | null>): Promise<string[]> {
  // Through readRaw, in a session of its own under readonly=1: a readonly setting on the store's
  // client would stay with its connection, which the pipeline writes with. The FORMAT here is
  // the outer one (the statement's own was taken off before). Bound parameters are substituted
  // first, so an {x:Identifier} is checked as the name it becomes.
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of store.readRaw(`EXPLAIN AST ${query}`, { format: 'TabSeparatedRaw', params })) chunks.push(chunk);
  } catch (err) {
    const message = (err as Error).message;
    if (/readonly mode/i.test(message)) throw new ReadOnlyQueryError(`what readonly mode forbids (${message.trim().split('\n', 1)[0]})`);
    if (!isSyntaxError(err)) throw err;
    // The engine's error again, its positions in the statement's own text (not after `EXPLAIN AST `);
    // a statement that parses but not under EXPLAIN cannot be checked.
    await parse(store, query);
    throw new ReadOnlyQueryError('a statement it cannot check');
  }
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '');
}

/** A statement that passed the rule: its text without a trailing `;` and FORMAT clause, and that format. */
export interface CheckedQuery {
  sql: string;
  format?: string;
}

/** Checks `query` (with its bound parameters) against the read-only rule; throws ReadOnlyQueryError when it does not pass. */
export async function checkReadOnly(store: Store, query: string, params: Record<string, string | null> = {}): Promise<CheckedQuery> {
  let sql = query.trim().replace(/;\s*$/, '');
  // chDB runs every statement of a multi-statement text (even under EXPLAIN): refuse any ';'.
  if (sql.includes(';')) throw new ReadOnlyQueryError('more than one statement (a ";")');
  if (!READ_STATEMENT.test(sql)) {
    if (sql !== '') await parse(store, sql);
    throw new ReadOnlyQueryError(`the statement ${/^\S*/.exec(sql)![0].toUpperCase() || '(empty)'}`);
  }
  const format = FORMAT_CLAUSE.exec(sql)?.[1];
  if (format !== undefined) sql = sql.slice(0, -FORMAT_CLAUSE.exec(sql)![0].length);
  const why = refusal(await explainAst(store, sql, params));
  if (why !== undefined) throw new ReadOnlyQueryError(why);
  return format === undefined ? { sql } : { sql, format };
}

export type ReadOnlyOptions = Omit<RawReadOptions, 'format'> & {
  /** The format when the statement has no FORMAT clause of its own. */
  defaultFormat: string;
};

/**
 * A checked statement's result as raw bytes in its format (the statement's FORMAT clause, else
 * `defaultFormat`), streamed from the store under readonly=1.
 */
export async function readOnlyStream(store: Store, query: string, options: ReadOnlyOptions): Promise<{ format: string; chunks: AsyncIterable<Buffer> }> {
  const { defaultFormat, ...rest } = options;
  const checked = await checkReadOnly(store, query, rest.params);
  const format = checked.format ?? defaultFormat;
  return { format, chunks: store.readRaw(checked.sql, { ...rest, format }) };
}

/**
 * `sql` on an open store: JSONEachRow (64-bit integers quoted) unless the statement names its own
 * FORMAT; each chunk goes to `write` as it comes. Resolves with the number of lines written (the
 * rows, in JSONEachRow).
 */
export async function runReadOnlyQuery(store: Store, query: string, write: (chunk: Buffer) => unknown, signal?: AbortSignal): Promise<number> {
  // Unqualified names resolve to the namespace's database (when it exists yet), as on the query endpoint.
  const { chunks } = await readOnlyStream(store, query, { defaultFormat: 'JSONEachRow', database: store.database, databaseIfExists: true, signal });
  let lines = 0;
  for await (const chunk of chunks) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines += 1;
    await write(chunk);
  }
  return lines;
}
