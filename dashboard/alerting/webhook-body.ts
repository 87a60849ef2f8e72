// The JSON body Alertmanager's webhook receiver sends (prometheus.io/docs/alerting/latest/configuration,
// <webhook_config>, version "4"), so receivers written for Alertmanager accept ours unchanged.
// A rule's alerts form one group, grouped by `alertname`.
import type { Labels } from './condition-readings.ts';
import type { Notification, NotifiedAlert } from './rule-evaluation.ts';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookBody {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** Go's zero time, which Alertmanager sends as the `endsAt` of an alert still firing. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookContext {
  receiver: string;
  /** The dashboard's address: `externalURL`, and the base of each alert's `generatorURL`. */
  externalURL: string;
}

/** The pairs every map of `maps` holds with the same value. */
function common(maps: readonly Labels[]): Labels {
  const [first, ...rest] = maps;
  if (first === undefined) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/** Alertmanager's group key: the route's matchers (`{}`, the root route) and the group labels. */
function groupKey(groupLabels: Labels): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`);
  return `{}:{${pairs.join(', ')}}`;
}

function webhookAlert(alert: NotifiedAlert, generatorURL: string): WebhookAlert {
  return {
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAtMs).toISOString(),
    endsAt: alert.endsAtMs === undefined ? GO_ZERO_TIME : new Date(alert.endsAtMs).toISOString(),
    generatorURL,
    fingerprint: alert.fingerprint,
  };
}

export function webhookBody(notification: Notification, context: WebhookContext): WebhookBody {
  const groupLabels = { alertname: notification.rule };
  const generatorURL = `${context.externalURL.replace(/\/+$/, '')}/api/alerts?rule=${encodeURIComponent(notification.rule)}`;
  return {
    version: '4',
    groupKey: groupKey(groupLabels),
    truncatedAlerts: 0,
    status: notification.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: context.receiver,
    groupLabels,
    commonLabels: common(notification.alerts.map((a) => a.labels)),
    commonAnnotations: common(notification.alerts.map((a) => a.annotations)),
    externalURL: context.externalURL,
    alerts: notification.alerts.map((a) => webhookAlert(a, generatorURL)),
  };
}
