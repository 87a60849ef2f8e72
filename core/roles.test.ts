import { describe, expect, it } from 'vitest';
import { ConfigError } from './settings.ts';
import { checkRolesForStore, roles, rolesText } from './roles.ts';

describe('--role', () => {
  const parse = roles('--role');

  it('reads all, one role, and a comma-separated list in any order', () => {
    expect([...parse('all')].sort()).toEqual(['aggregator', 'connector', 'dashboard']);
    expect([...parse('connector')]).toEqual(['connector']);
    expect([...parse('dashboard, aggregator')].sort()).toEqual(['aggregator', 'dashboard']);
    expect(rolesText(parse('dashboard,aggregator'))).toBe('aggregator,dashboard');
    expect(rolesText(parse('connector,dashboard,aggregator'))).toBe('all');
  });

  it.each(['', 'all,connector', 'web', 'aggregator,', 'Aggregator'])('refuses %j with a line naming the flag', (text) => {
    expect(() => parse(text)).toThrow(ConfigError);
    expect(() => parse(text)).toThrow(/^--role: /);
  });

  it('with the embedded store allows all and aggregator,dashboard only, saying to set CLICKHOUSE_URL', () => {
    expect(() => checkRolesForStore(parse('all'), true)).not.toThrow();
    expect(() => checkRolesForStore(parse('aggregator,dashboard'), true)).not.toThrow();
    for (const split of ['connector', 'aggregator', 'dashboard', 'connector,aggregator', 'connector,dashboard']) {
      expect(() => checkRolesForStore(parse(split), true)).toThrow(/^--role: ".*" needs a ClickHouse server.*set CLICKHOUSE_URL/);
    }
  });

  it('with a ClickHouse server allows any mix', () => {
    for (const split of ['connector', 'aggregator', 'dashboard', 'connector,aggregator', 'all']) expect(() => checkRolesForStore(parse(split), false)).not.toThrow();
  });
});
