import { describe, expect, it } from 'vitest';
import { insertFromFile, isDataInsert } from './infile-insert.ts';

describe('insertFromFile', () => {
  it('reads the rows of the named format from the file', () => {
    expect(insertFromFile('INSERT INTO db.t (a, b) FORMAT Native', '/tmp/x')).toBe("INSERT INTO db.t (a, b) FROM INFILE '/tmp/x' FORMAT Native");
    expect(insertFromFile('insert into table `db`.`t` format JSONEachRow;', '/tmp/x')).toBe("INSERT INTO `db`.`t` FROM INFILE '/tmp/x' FORMAT JSONEachRow");
  });

  it('names the compression, keeps SETTINGS after it, and reads VALUES or, without a format, TabSeparated', () => {
    expect(insertFromFile('INSERT INTO t SETTINGS async_insert=0 FORMAT CSV', '/tmp/x', 'gzip')).toBe("INSERT INTO t FROM INFILE '/tmp/x' COMPRESSION 'gzip' SETTINGS async_insert=0 FORMAT CSV");
    expect(insertFromFile('INSERT INTO t (a) VALUES', '/tmp/x')).toBe("INSERT INTO t (a) FROM INFILE '/tmp/x' FORMAT Values");
    expect(insertFromFile('INSERT INTO t', "/tmp/it's")).toBe("INSERT INTO t FROM INFILE '/tmp/it\\'s' FORMAT TabSeparated");
  });

  it('takes only inserts that expect their rows after the statement, and known compressions', () => {
    expect(isDataInsert('INSERT INTO t SELECT 1')).toBe(false);
    expect(isDataInsert("INSERT INTO t VALUES (1, 'a')")).toBe(false);
    expect(isDataInsert('SELECT 1 FORMAT Native')).toBe(false);
    expect(isDataInsert('INSERT INTO t FORMAT Native')).toBe(true);
    expect(() => insertFromFile('INSERT INTO t SELECT 1', '/tmp/x')).toThrow(/not an INSERT/);
    expect(() => insertFromFile('INSERT INTO t FORMAT CSV', '/tmp/x', 'compress')).toThrow(/unknown compression/);
  });
});
