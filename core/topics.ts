// The namespace's topic names.

/** Topic names of a namespace: the public contract of docs/design.md, "Topics". */
export function topics(namespace: string) {
  return {
    events: `${namespace}.events`,
    rejected: `${namespace}.events-rejected`,
    late: `${namespace}.events-late`,
    salesPerProduct: `${namespace}.sales-per-product`,
  } as const;
}
