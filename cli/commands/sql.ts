// sql "<query>": one read-only statement, JSONEachRow on stdout. ClickHouse's readonly=1 refuses
// writes and most table functions, but not INTO OUTFILE, the file() function, s3() or KILL
// QUERY (checked on chDB), so the query's AST (ClickHouse's own parser, EXPLAIN AST) must pass
// an allowlist first: statement kinds, table functions, system tables; no INTO OUTFILE, no SETTINGS.
import type { Store } from '../../aggregates/store.ts';

export class ReadOnlyQueryError extends Error {
  override name = 'ReadOnlyQueryError';
  constructor(refused: string) {
    super(`sql refused ${refused}: it runs one read-only statement on the store's tables`);
  }
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

async function explainAst(store: Store, query: string): Promise<string[]> {
  try {
    // The FORMAT here belongs to the inner statement; the client adds the outer one.
    const result = await store.client.query({
      query: `EXPLAIN AST ${query}\nFORMAT TabSeparatedRaw`,
      format: 'TabSeparatedRaw',
      clickhouse_settings: { readonly: '1' },
    });
    return (await result.text()).split('\n').filter((l) => l !== '');
  } catch (err) {
    const message = (err as Error).message;
    if (/readonly mode/i.test(message)) throw new ReadOnlyQueryError(`what readonly mode forbids (${message.trim()})`);
    throw err;
  }
}

export async function runReadOnlyQuery(store: Store, query: string, write: (chunk: string) => void): Promise<number> {
  const trimmed = query.trim().replace(/;\s*$/, '');
  // chDB runs every statement of a multi-statement text (even under EXPLAIN): refuse any ';'.
  if (trimmed.includes(';')) throw new ReadOnlyQueryError('more than one statement (a ";")');
  if (!READ_STATEMENT.test(trimmed)) throw new ReadOnlyQueryError(`the statement ${/^\S*/.exec(trimmed)![0].toUpperCase() || '(empty)'}`);
  const why = refusal(await explainAst(store, trimmed));
  if (why !== undefined) throw new ReadOnlyQueryError(why);
  const result = await store.client.query({
    query: trimmed,
    format: 'JSONEachRow',
    clickhouse_settings: { readonly: '1' },
  });
  let rows = 0;
  for await (const batch of result.stream()) {
    for (const row of batch) {
      write(`${row.text}\n`);
      rows += 1;
    }
  }
  return rows;
}
