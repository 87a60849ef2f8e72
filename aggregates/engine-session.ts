// A chDB session made ready for one read: the current database, the settings and the bound
// parameters set, then readonly=1; and the text of the statements run on it.
import type { RawReadOptions } from './store.ts';

/** The part of a chDB Session used here. */
export interface EngineSession {
  queryAsync(sql: string, opts?: { format?: string; signal?: AbortSignal }): Promise<{ bytes(): Uint8Array }>;
  queryStream(sql: string, opts?: { format?: string; signal?: AbortSignal }): AsyncIterable<{ raw(): Uint8Array }>;
  close(): void;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A ClickHouse string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A format name goes into the statement's text, so it must be a plain name. */
export function checkFormatName(format: string): void {
  if (!NAME.test(format)) throw new Error(`bad format name "${format}"`);
}

/** The statement with its result written by the engine to `file` (a new one). */
export function intoOutfile(sql: string, file: string, format: string): string {
  // A line break first: a trailing comment in the statement cannot swallow the clause.
  return `${sql}\nINTO OUTFILE ${sqlString(file)} FORMAT ${format}`;
}

/** A bound parameter's value as ClickHouse's escaped text, which `SET param_<name>` takes. */
function paramText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/** The read's database, settings and parameters on its session, then readonly=1 (unless `readonly` is false: a statement of the dev store server that writes). */
export async function prepareSession(session: EngineSession, options: Omit<RawReadOptions, 'format'>, readonly = true): Promise<void> {
  if (options.database !== undefined) {
    if (!NAME.test(options.database)) throw new Error(`bad database name "${options.database}"`);
    try {
      await session.queryAsync(`USE \`${options.database}\``);
    } catch (err) {
      if (!(options.databaseIfExists && /\bUNKNOWN_DATABASE\b|Code: 81\./.test(String((err as Error).message)))) throw err;
    }
  }
  for (const [name, value] of Object.entries(options.settings ?? {})) {
    if (!NAME.test(name) || name.toLowerCase() === 'readonly') throw new Error(`bad setting name "${name}"`);
    await session.queryAsync(`SET ${name} = ${sqlString(value)}`);
  }
  // Parameters are the session's, not bound through chDB's bind call: that one runs one at a
  // time in the whole process, so a long read with parameters would hold up every other.
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (!NAME.test(name)) throw new Error(`bad parameter name "${name}"`);
    await session.queryAsync(`SET param_${name} = ${sqlString(paramText(value))}`);
  }
  // Last: from here on the session can change nothing, not even its settings.
  if (readonly) await session.queryAsync('SET readonly = 1');
}
