// The channels on real components: an SMTP server (smtp-server) receives the e-mail over STARTTLS,
// a local HTTP server receives the webhook, and a receiver failing twice gets the notification on
// the third attempt while the caller returns at once.
import { afterEach, describe, expect, it } from 'vitest';
import { httpReceiver as httpReceiverOn, readMail, smtpServer as smtpServerOn } from '../../test/alert-receivers.ts';
import { DeliveryQueue } from './delivery-queue.ts';
import { emailChannel } from './email-channel.ts';
import { fingerprint } from './fingerprint.ts';
import type { Notification } from './rule-evaluation.ts';
import type { WebhookBody } from './webhook-body.ts';
import { webhookChannel } from './webhook-channel.ts';

const LABELS = { alertname: 'ingest-stalled', severity: 'critical' };
const NOTIFICATION: Notification = {
  rule: 'ingest-stalled',
  kind: 'pipeline',
  alerts: [
    {
      status: 'firing',
      labels: LABELS,
      annotations: { summary: '3 inbox files wait and no row was ingested for 2 minutes' },
      value: 3,
      startsAtMs: Date.parse('2024-05-01T10:02:00Z'),
      fingerprint: fingerprint(LABELS),
    },
  ],
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function smtpServer() {
  const server = await smtpServerOn();
  closers.push(server.close);
  return server;
}

async function httpReceiver(answer: (n: number) => number) {
  const receiver = await httpReceiverOn(answer);
  closers.push(receiver.close);
  return receiver;
}

describe('notification channels', () => {
  it('e-mail: a real SMTP server receives it over STARTTLS with the subject and the summary', async () => {
    const smtp = await smtpServer();
    const channel = emailChannel({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      from: 'alerts@salesinsights.test',
      to: ['ops@salesinsights.test', 'oncall@salesinsights.test'],
      // The test server's certificate is self-signed; production passes its CA here.
      tls: { rejectUnauthorized: false },
      timeoutMs: 5_000,
    });
    closers.push(async () => channel.close?.());
    await channel.send(NOTIFICATION);
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail).toMatchObject({ from: 'alerts@salesinsights.test', to: ['ops@salesinsights.test', 'oncall@salesinsights.test'], secure: true });
    const { headers, body } = readMail(mail.raw);
    expect(headers.get('subject')).toBe('[FIRING:1] ingest-stalled (critical)');
    expect(body).toContain('[FIRING] 3 inbox files wait and no row was ingested for 2 minutes');
    expect(body).toContain('labels: severity=critical');
    expect(body).toContain('started: 2024-05-01T10:02:00.000Z');
  });

  it('webhook: a local HTTP receiver gets the Alertmanager JSON body', async () => {
    const receiver = await httpReceiver(() => 200);
    await webhookChannel({ url: receiver.url, receiver: 'salesinsights', externalURL: 'http://127.0.0.1:3000' }).send(NOTIFICATION);
    expect(receiver.bodies).toHaveLength(1);
    const { contentType, body } = receiver.bodies[0] as { contentType: string; body: WebhookBody };
    expect(contentType).toBe('application/json');
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'salesinsights', groupLabels: { alertname: 'ingest-stalled' } });
    expect(body.alerts[0]).toMatchObject({ status: 'firing', labels: LABELS, fingerprint: fingerprint(LABELS), startsAt: '2024-05-01T10:02:00.000Z' });
  });

  it('a receiver failing twice gets the notification on the third attempt, and the caller never waits', async () => {
    const receiver = await httpReceiver((n) => (n <= 2 ? 503 : 200));
    const queue = new DeliveryQueue({
      channels: [webhookChannel({ url: receiver.url, receiver: 'r', externalURL: 'http://x', timeoutMs: 2_000 })],
      policy: { initialMs: 50, maxMs: 200 },
      maxAttempts: 5,
    });
    closers.push(() => queue.close());
    const started = performance.now();
    queue.enqueue(NOTIFICATION);
    expect(performance.now() - started).toBeLessThan(50);
    expect(receiver.attempts()).toBe(0);
    await expect.poll(() => queue.status().webhook?.retrying, { timeout: 5_000, interval: 5 }).toBe(1);
    await queue.idle();
    expect(receiver.attempts()).toBe(3);
    expect(receiver.bodies).toHaveLength(1);
    expect(queue.status().webhook).toEqual({ delivered: 1, failed: 0, retrying: 0, queued: 0, lastError: expect.stringMatching(/^webhook: attempt 2 failed: webhook .* answered 503: try later$/) });
  });

  it('gives up after maxAttempts, counts the failure and goes on with the next notification', async () => {
    const receiver = await httpReceiver((n) => (n <= 2 ? 500 : 200));
    const queue = new DeliveryQueue({
      channels: [webhookChannel({ url: receiver.url, receiver: 'r', externalURL: 'http://x' })],
      policy: { initialMs: 10, maxMs: 10 },
      maxAttempts: 2,
    });
    closers.push(() => queue.close());
    queue.enqueue(NOTIFICATION);
    queue.enqueue({ ...NOTIFICATION, alerts: NOTIFICATION.alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAtMs: a.startsAtMs + 60_000 })) });
    await queue.idle();
    expect(queue.status().webhook).toMatchObject({ delivered: 1, failed: 1, retrying: 0, queued: 0, lastError: expect.stringMatching(/^webhook: gave up after 2 attempts/) });
    expect((receiver.bodies[0] as { body: WebhookBody }).body.status).toBe('resolved');
  });

  it('bounds its queue: past maxQueued the oldest waiting notification is dropped and counted failed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sent: number[] = [];
    const queue = new DeliveryQueue({
      channels: [{ name: 'slow', send: async (n) => { await held; sent.push(n.alerts[0]!.value); } }],
      maxQueued: 2,
    });
    for (const value of [1, 2, 3, 4]) queue.enqueue({ ...NOTIFICATION, alerts: [{ ...NOTIFICATION.alerts[0]!, value }] });
    expect(queue.status().slow).toMatchObject({ queued: 2, failed: 2, lastError: 'queue full: the oldest waiting notification was dropped' });
    release();
    await queue.idle();
    expect(sent).toEqual([1, 4]);
  });
});
