// The alerting building blocks, composed by the pipeline's wiring: rules (file and defaults), the
// conditions over the pipeline's readings, the per-rule evaluation, silences, and the channels
// behind a non-blocking delivery queue.
export { loadAlertRules, parseAlertRules } from './rules-file.ts';
export { DEFAULT_RULES } from './default-rules.ts';
export { AlertRuleError, ALERT_RULES_SETTING } from './rule-error.ts';
export type { AlertRule } from './rule.ts';
export { conditionKind, CONDITION_TYPES, type Condition, type RuleKind } from './conditions.ts';
export { evaluateCondition, type ActiveSeries, type ConditionReadings, type HourAgainstForecast } from './condition-readings.ts';
export { evaluateRule, type AlertChange, type Notification, type NotifiedAlert, type RuleAlerts, type RuleStep } from './rule-evaluation.ts';
export type { AlertState } from './alert-state.ts';
export { activeSilences, isSilenced, type Silence } from './silences.ts';
export { expandTemplate } from './template.ts';
export { webhookBody, type WebhookBody } from './webhook-body.ts';
export type { NotificationChannel } from './channel.ts';
export { emailChannel } from './email-channel.ts';
export { webhookChannel } from './webhook-channel.ts';
export { DeliveryQueue, type DeliveryStatus } from './delivery-queue.ts';
export { channelSettings, type ChannelSettings } from './channel-settings.ts';
