// A wrong alert rules file fails at start-up with one line naming the rule and the field, under
// the setting that points at the file (ConfigError's `SALESINSIGHTS_ALERT_RULES: ...`).
import { ConfigError } from '../../core/settings.ts';

export const ALERT_RULES_SETTING = 'SALESINSIGHTS_ALERT_RULES';

export class AlertRuleError extends ConfigError {
  override name = 'AlertRuleError';
  constructor(
    /** The rule's name, or its position (`#3`) when it has no usable name. */
    readonly rule: string | undefined,
    /** The field's path inside the rule, like `for` or `condition.threshold`. */
    readonly field: string | undefined,
    problem: string,
  ) {
    const where = [rule === undefined ? undefined : `alert rule ${rule}`, field === undefined ? undefined : `field "${field}"`];
    super(ALERT_RULES_SETTING, [...where.filter((w) => w !== undefined), problem].join(': '));
  }
}

/** How a value the file gave is quoted in a message: strings in quotes, the rest as JSON. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
}
