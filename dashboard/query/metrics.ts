// The query endpoint's metrics, in the process's registry (served by the dashboard at /metrics):
// statements answered by outcome, the limits they hit, their durations, and the reads running and
// waiting for a slot of the store's read gate.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../../aggregates/store.ts';
import { QUERY_LIMIT_ERRORS } from '../../aggregates/read-gate.ts';

/** What a failed statement's ClickHouse code says happened. */
const OUTCOME_OF_CODE: Record<number, string> = { 394: 'cancelled', 164: 'refused', 516: 'unauthorized', 62: 'syntax_error' };
const OUTCOMES = ['ok', 'error', 'limit', ...Object.values(OUTCOME_OF_CODE)];
/** Seconds: a small lookup to an export of minutes. */
const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120, 300];

export class QueryEndpointMetrics {
  private readonly statements: Counter<'outcome'>;
  private readonly limits: Counter<'limit'>;
  private readonly duration: Histogram;

  constructor(registry: Registry, store: Store) {
    const registers = [registry];
    this.statements = new Counter({ name: 'salesinsights_query_statements_total', help: 'Statements the query endpoint answered, by outcome (cancelled: the client went away)', labelNames: ['outcome'], registers });
    for (const outcome of OUTCOMES) this.statements.inc({ outcome }, 0);
    this.limits = new Counter({ name: 'salesinsights_query_limit_hits_total', help: 'Statements stopped by a query limit, by limit (SALESINSIGHTS_QUERY_*)', labelNames: ['limit'], registers });
    for (const { label } of Object.values(QUERY_LIMIT_ERRORS)) this.limits.inc({ limit: label }, 0);
    this.duration = new Histogram({ name: 'salesinsights_query_duration_seconds', help: 'Duration of the statements the query endpoint answered whole', buckets: DURATION_BUCKETS, registers });
    new Gauge({ name: 'salesinsights_query_reads_running', help: 'Reads holding a slot of the read gate (query endpoint, sql, export)', registers, collect() { this.set(store.reads.active); } });
    new Gauge({ name: 'salesinsights_query_reads_waiting', help: 'Reads waiting for a slot of the read gate', registers, collect() { this.set(store.reads.waiting); } });
  }

  served(seconds: number): void {
    this.statements.inc({ outcome: 'ok' });
    this.duration.observe(seconds);
  }

  failed(code: number): void {
    const limit = QUERY_LIMIT_ERRORS[code]?.label;
    if (limit !== undefined) this.limits.inc({ limit });
    this.statements.inc({ outcome: limit !== undefined ? 'limit' : (OUTCOME_OF_CODE[code] ?? 'error') });
  }
}
