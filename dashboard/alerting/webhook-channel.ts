// A webhook receiver: Alertmanager's JSON body POSTed with fetch; any answer but 2xx, or no answer
// within the timeout, is a failure the delivery queue retries.
import type { NotificationChannel } from './channel.ts';
import type { Notification } from './rule-evaluation.ts';
import { webhookBody, type WebhookContext } from './webhook-body.ts';

export interface WebhookChannelOptions extends WebhookContext {
  url: string;
  timeoutMs?: number;
}

export function webhookChannel(options: WebhookChannelOptions): NotificationChannel {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'webhook',
    async send(notification: Notification): Promise<void> {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(webhookBody(notification, options)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is read so that the connection is released for the next request.
      const answer = await res.text();
      if (!res.ok) throw new Error(`webhook ${options.url} answered ${res.status}: ${answer.slice(0, 200)}`);
    },
  };
}
