import { describe, expect, it } from 'vitest';
import { EndpointError, paramValue, readRequest } from './request.ts';

const read = (params: Record<string, string>, body?: string) => readRequest(new URLSearchParams(params), body, 'ns');

function refused(fn: () => unknown): EndpointError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EndpointError);
    return err as EndpointError;
  }
  throw new Error('not refused');
}

describe('readRequest (a ClickHouse HTTP request)', () => {
  it('takes the query from the URL, the body, or both (the body continues the URL text)', () => {
    expect(read({ query: 'SELECT 1' }).query).toBe('SELECT 1');
    expect(read({}, 'SELECT 2').query).toBe('SELECT 2');
    expect(read({ query: 'SELECT' }, '3').query).toBe('SELECT\n3');
    expect(refused(() => read({}, '  '))).toMatchObject({ code: 62, type: 'SYNTAX_ERROR', status: 400 });
  });

  it('defaults: TabSeparated, the namespace database; default_format and database as given', () => {
    expect(read({ query: 'SELECT 1' })).toMatchObject({ defaultFormat: 'TabSeparated', database: 'ns', params: {}, settings: {}, compress: false });
    expect(read({ query: 'SELECT 1', default_format: 'Parquet', database: 'other', enable_http_compression: '1', query_id: 'q1' })).toMatchObject({
      defaultFormat: 'Parquet',
      database: 'other',
      compress: true,
      queryId: 'q1',
    });
    expect(refused(() => read({ query: 'SELECT 1', default_format: 'CSV FORMAT x' })).code).toBe(73);
    expect(refused(() => read({ query: 'SELECT 1', database: 'a`b' })).code).toBe(81);
  });

  it('refuses system as the current database (its tables would be bare names)', () => {
    expect(refused(() => read({ query: 'SELECT * FROM processes', database: 'SYSTEM' }))).toMatchObject({ code: 164, status: 403 });
  });

  it('applies output and limit settings, ignores HTTP-layer parameters, refuses any other setting as a read-only user', () => {
    const r = read({
      query: 'SELECT 1',
      output_format_json_quote_64bit_integers: '0',
      format_csv_delimiter: ';',
      max_result_rows: '10',
      wait_end_of_query: '1',
      session_id: 's',
      readonly: '2',
    });
    expect(r.settings).toEqual({ output_format_json_quote_64bit_integers: '0', format_csv_delimiter: ';', max_result_rows: '10' });
    for (const name of ['allow_ddl', 'output_format_schema', 'format_schema', 'output_format_json_array_of_rows', 'max_threadsx', 'token']) {
      expect(refused(() => read({ query: 'SELECT 1', [name]: '1' })), name).toMatchObject({ code: 164, type: 'READONLY', message: `Cannot modify '${name}' setting in readonly mode` });
    }
  });

  it('binds param_<name> by its placeholder type: scalars unescaped, composites as text, \\N as NULL', () => {
    const r = read({ query: 'SELECT {s:String}, {a:Array(String)}, {n:Nullable(UInt8)}, {u:UInt64}', param_s: 'a\\tb\\\\c\\\'', param_a: "['x\\'y']", param_n: '\\N', param_u: '7' });
    expect(r.params).toEqual({ s: "a\tb\\c'", a: "['x\\'y']", n: null, u: '7' });
    expect(refused(() => read({ query: 'SELECT 1', 'param_a-b': '1' })).code).toBe(36);
  });
});

describe('paramValue', () => {
  it('decodes the escapes of ClickHouse text values', () => {
    expect(paramValue('\\n\\r\\0\\x41\\q', 'String')).toBe('\n\r\0Aq');
    expect(paramValue('(1,\\t)', 'Tuple(UInt8, String)')).toBe('(1,\\t)');
    expect(paramValue('plain', undefined)).toBe('plain');
  });
});
