// The namespace's topic and consumer group names.

/** Topic names of a namespace: the public contract of docs/design.md, "Topics". */
export function topics(namespace: string) {
  return {
    events: `${namespace}.events`,
    rejected: `${namespace}.events-rejected`,
    late: `${namespace}.events-late`,
    salesPerProduct: `${namespace}.sales-per-product`,
    sessions: `${namespace}.sessions`,
  } as const;
}

/** The consumer group of a namespace's aggregators (its checkpoints are kept under this name too). */
export function aggregatorGroup(namespace: string): string {
  return `${namespace}.aggregator`;
}
