import { describe, expect, it } from 'vitest';
import { refusal } from './read-only.ts';

const select = (tableLine: string) => [
  'SelectWithUnionQuery (children 1)',
  ' ExpressionList (children 1)',
  '  SelectQuery (children 2)',
  '   ExpressionList (children 1)',
  '    Asterisk',
  '   TablesInSelectQuery (children 1)',
  '    TablesInSelectQueryElement (children 1)',
  '     TableExpression (children 1)',
  `      ${tableLine}`,
];

describe('refusal (the AST allowlist of sql)', () => {
  it('accepts store tables and harmless table functions', () => {
    expect(refusal(select('TableIdentifier ns.events'))).toBeUndefined();
    expect(refusal(select('Function numbers (children 1)'))).toBeUndefined();
    expect(refusal(select('TableIdentifier system.tables'))).toBeUndefined();
  });

  it('refuses other table functions, host system tables and other statements', () => {
    expect(refusal(select('Function s3Cluster (children 1)'))).toBe('the function s3Cluster()');
    expect(refusal(select('Function icebergS3 (children 1)'))).toBe('the function icebergS3()');
    expect(refusal(select('TableIdentifier system.processes'))).toBe('the table system.processes');
    expect(refusal(['InsertQuery   (children 2)'])).toBe('the statement Insert');
    expect(refusal([])).toBe('an empty statement');
  });

  it('refuses lines off the tree shape (a line break in a quoted alias could forge them)', () => {
    expect(refusal([...select('TableIdentifier t'), 'c)'])).toBe('a statement it cannot check');
    expect(refusal([...select('TableIdentifier t'), 'SelectWithUnionQuery'])).toBe('a statement it cannot check');
    expect(refusal(['SelectWithUnionQuery', '   ExpressionList'])).toBe('a statement it cannot check');
  });
});
