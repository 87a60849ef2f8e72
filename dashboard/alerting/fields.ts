// Typed reads of one mapping of the rules file (a rule, or its condition): each read checks the
// field's type and range and throws an AlertRuleError naming the rule and the field's path.
import { durationMsOfText } from '../../core/settings.ts';
import { AlertRuleError, shown } from './rule-error.ts';

export type RawMapping = Readonly<Record<string, unknown>>;

export function isMapping(value: unknown): value is RawMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FieldReader {
  constructor(
    private readonly raw: RawMapping,
    /** The rule as messages name it: `"ingest-stalled"` (quoted) or `#3`. */
    readonly rule: string,
    private readonly prefix = '',
  ) {}

  fail(field: string, problem: string): never {
    throw new AlertRuleError(this.rule, `${this.prefix}${field}`, problem);
  }

  /** Refuses fields the schema does not know: a typo (`keep_firing`) would otherwise pass silently. */
  onlyKnown(known: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key)) this.fail(key, `unknown field; expected one of ${known.join(', ')}`);
    }
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined && this.raw[field] !== null;
  }

  string(field: string): string {
    if (!this.has(field)) this.fail(field, 'is required');
    const v = this.raw[field];
    if (typeof v !== 'string' || v.trim() === '') this.fail(field, `expected a non-empty string, got ${shown(v)}`);
    return v;
  }

  optionalString(field: string): string | undefined {
    return this.has(field) ? this.string(field) : undefined;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback?: T): T {
    if (!this.has(field) && fallback !== undefined) return fallback;
    const v = this.raw[field];
    if (!values.includes(v as T)) this.fail(field, `expected one of ${values.join(', ')}, got ${shown(v)}`);
    return v as T;
  }

  number(field: string, min: number, max: number, fallback?: number): number {
    if (!this.has(field) && fallback !== undefined) return fallback;
    const v = this.raw[field];
    if (typeof v !== 'number' || !(v >= min && v <= max)) this.fail(field, `expected a number ${min}..${max}, got ${shown(v)}`);
    return v;
  }

  integer(field: string, min: number, max: number, fallback?: number): number {
    const n = this.number(field, min, max, fallback);
    if (!Number.isInteger(n)) this.fail(field, `expected an integer ${min}..${max}, got ${shown(n)}`);
    return n;
  }

  /** A duration with its unit (`2m`, `1h`, `0s`), in milliseconds. */
  durationMs(field: string, fallback?: number): number {
    if (!this.has(field) && fallback !== undefined) return fallback;
    const v = this.raw[field];
    const ms = typeof v === 'string' ? durationMsOfText(v) : Number.NaN;
    if (Number.isNaN(ms)) this.fail(field, `expected a duration like 2m, got ${shown(v)}`);
    return ms;
  }

  /** A mapping of names to strings (labels, annotations). */
  stringMap(field: string): Record<string, string> {
    if (!this.has(field)) return {};
    const v = this.raw[field];
    if (!isMapping(v)) this.fail(field, `expected a mapping of names to strings, got ${shown(v)}`);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(v)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail(`${field}.${name}`, 'a name is letters, digits and _, not starting with a digit');
      if (typeof value !== 'string') this.fail(`${field}.${name}`, `expected a string, got ${shown(value)}`);
      out[name] = value;
    }
    return out;
  }

  /** A nested mapping, read with its own reader whose messages carry the path (`condition.threshold`). */
  mapping(field: string): FieldReader {
    const v = this.raw[field];
    if (!isMapping(v)) this.fail(field, v === undefined ? 'is required' : `expected a mapping, got ${shown(v)}`);
    return new FieldReader(v, this.rule, `${this.prefix}${field}.`);
  }
}
