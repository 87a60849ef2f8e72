// E-mail over SMTP with nodemailer. smtp:// upgrades with STARTTLS whenever the server offers it
// (nodemailer's default; `requireTLS` refuses a server that does not), smtps:// is TLS from the
// first byte. Credentials travel in the URL (smtp://user:pass@host:587).
import nodemailer from 'nodemailer';
import type { ConnectionOptions } from 'node:tls';
import type { NotificationChannel } from './channel.ts';
import { emailMessage } from './email-message.ts';
import type { Notification } from './rule-evaluation.ts';

export interface EmailChannelOptions {
  /** smtp://host:port or smtps://host:port, with user:pass@ when the server asks for a login. */
  smtpUrl: string;
  from: string;
  to: readonly string[];
  /** Refuse to send in clear text when the server offers no STARTTLS. */
  requireTLS?: boolean;
  /** TLS options (a private CA, say) for STARTTLS and smtps://. */
  tls?: ConnectionOptions;
  /** Per-connection limit, so a server that hangs frees the queue. */
  timeoutMs?: number;
}

export function emailChannel(options: EmailChannelOptions): NotificationChannel {
  const url = new URL(options.smtpUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    secure: url.protocol === 'smtps:',
    requireTLS: options.requireTLS ?? false,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    name: 'email',
    async send(notification: Notification): Promise<void> {
      const message = emailMessage(notification);
      await transport.sendMail({ from: options.from, to: [...options.to], subject: message.subject, text: message.text });
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
