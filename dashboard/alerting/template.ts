// The annotations' templates: Prometheus' `{{ $labels.name }}` and `{{ $value }}`, and nothing
// else. A substitution, not a template engine: no code runs, and a template using anything else is
// refused when the rules file is read.
import type { Labels } from './condition-readings.ts';

const PLACEHOLDER = /\{\{\s*\$(?:labels\.([A-Za-z_][A-Za-z0-9_]*)|(value))\s*\}\}/g;
const ANY_BRACES = /\{\{.*?\}\}/g;

/** The first `{{ ... }}` of `template` that is no known placeholder, or undefined if all are. */
export function unknownPlaceholder(template: string): string | undefined {
  return template.match(ANY_BRACES)?.find((p) => !new RegExp(`^${PLACEHOLDER.source}$`).test(p));
}

/** The value as Prometheus prints it (Go's %g-like shortest form); NaN and infinities by name. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

/** `template` with its placeholders replaced; a label the alert lacks becomes empty. */
export function expandTemplate(template: string, labels: Labels, value: number): string {
  // Own labels only: `constructor` and the like are no label, whatever the prototype holds.
  const labelText = (name: string) => (Object.hasOwn(labels, name) ? labels[name]! : '');
  return template.replace(PLACEHOLDER, (_match, label: string | undefined) => (label === undefined ? formatValue(value) : labelText(label)));
}

/** Every annotation of an alert, expanded. */
export function expandAnnotations(annotations: Labels, labels: Labels, value: number): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).map(([name, template]) => [name, expandTemplate(template, labels, value)]));
}
