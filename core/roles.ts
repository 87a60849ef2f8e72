// The components a `start` runs (`--role`): the file connector on the inbox, the aggregator
// (the job with its lifetime-value refits), and the dashboard (the API with the HTTP source, the
// live push, the forecast refresher and the alert evaluator, and, in embedded mode, the query
// endpoint). Processes of one namespace cooperate through Kafka and the store; with the
// embedded store only one process may open it, so there the roles that need the store stay
// together and only connectors run elsewhere.
import { ConfigError } from './settings.ts';

export const ROLES = ['connector', 'aggregator', 'dashboard'] as const;
export type Role = (typeof ROLES)[number];
export type Roles = ReadonlySet<Role>;

export const ALL_ROLES: Roles = new Set(ROLES);

/** `all`, one role, or a comma-separated list of roles (`aggregator,dashboard`). */
export const roles = (flag: string) => (text: string): Roles => {
  const names = text.split(',').map((n) => n.trim());
  if (names.length === 1 && names[0] === 'all') return ALL_ROLES;
  const unknown = names.find((n) => !(ROLES as readonly string[]).includes(n));
  if (unknown !== undefined) throw new ConfigError(flag, `"${unknown}" is not a role; expected all, or one or more of ${ROLES.join(', ')} separated by commas (e.g. aggregator,dashboard)`);
  return new Set(names as Role[]);
};

/** The roles in their fixed order, comma-separated (`all` for every one). */
export function rolesText(r: Roles): string {
  return r.size === ROLES.length ? 'all' : ROLES.filter((role) => r.has(role)).join(',');
}

/**
 * Refuses a role set the store cannot serve: the embedded store is one process's, so there a
 * start runs everything, or the aggregator and the dashboard with connectors in `connect`
 * processes; a ClickHouse server takes any mix.
 */
export function checkRolesForStore(r: Roles, embedded: boolean, flag = '--role'): void {
  if (!embedded || r.size === ROLES.length || (r.size === 2 && r.has('aggregator') && r.has('dashboard'))) return;
  throw new ConfigError(
    flag,
    `"${rolesText(r)}" needs a ClickHouse server: with the embedded store one process holds the store, so start runs all roles or aggregator,dashboard (connectors in \`salesinsights connect\` processes); set CLICKHOUSE_URL to a ClickHouse server for other splits`,
  );
}
