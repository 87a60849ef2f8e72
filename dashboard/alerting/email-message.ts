// The e-mail for a notification: Alertmanager's default subject (`[FIRING:2] rule (labels)`) and a
// plain-text body listing each alert's summary, labels and times.
import type { Notification, NotifiedAlert } from './rule-evaluation.ts';

export interface EmailMessage {
  subject: string;
  text: string;
}

function alertText(alert: NotifiedAlert): string {
  const labels = Object.entries(alert.labels)
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const lines = [
    `[${alert.status.toUpperCase()}] ${alert.annotations.summary ?? alert.labels.alertname ?? ''}`,
    ...Object.entries(alert.annotations)
      .filter(([name]) => name !== 'summary')
      .map(([name, text]) => `  ${name}: ${text}`),
    `  labels: ${labels || '(none)'}`,
    `  value: ${alert.value}`,
    `  started: ${new Date(alert.startsAtMs).toISOString()}`,
    ...(alert.endsAtMs === undefined ? [] : [`  resolved: ${new Date(alert.endsAtMs).toISOString()}`]),
  ];
  return lines.join('\n');
}

export function emailMessage(notification: Notification): EmailMessage {
  const firing = notification.alerts.filter((a) => a.status === 'firing').length;
  const status = firing > 0 ? `FIRING:${firing}` : 'RESOLVED';
  const shared = Object.entries(notification.alerts[0]?.labels ?? {})
    .filter(([name, value]) => name !== 'alertname' && notification.alerts.every((a) => a.labels[name] === value))
    .map(([, value]) => value);
  const subject = `[${status}] ${notification.rule}${shared.length > 0 ? ` (${shared.join(' ')})` : ''}`;
  const text = [`SalesInsights alert ${notification.rule} (${notification.kind})`, '', ...notification.alerts.map(alertText)].join('\n');
  return { subject, text };
}
