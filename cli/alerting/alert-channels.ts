// The notification channels the settings configure (SALESINSIGHTS_SMTP_URL with from/to,
// SALESINSIGHTS_ALERT_WEBHOOK_URL), behind one delivery queue. No channel configured: the alerts
// are still evaluated, recorded and shown; nothing is sent.
import type { Config } from '../../core/config.ts';
import type { Env } from '../../core/settings.ts';
import { channelSettings, DeliveryQueue, emailChannel, webhookChannel, type NotificationChannel } from '../../dashboard/alerting/index.ts';

export function alertDeliveryQueue(config: Config, env: Env): DeliveryQueue {
  const settings = channelSettings(env);
  const channels: NotificationChannel[] = [];
  if (settings.email) channels.push(emailChannel(settings.email));
  if (settings.webhookUrl) channels.push(webhookChannel({ url: settings.webhookUrl, receiver: 'salesinsights', externalURL: dashboardAddress(config) }));
  return new DeliveryQueue({ channels });
}

function dashboardAddress(config: Config): string {
  return `http://${config.dashboard.host}:${config.dashboard.port}`;
}
