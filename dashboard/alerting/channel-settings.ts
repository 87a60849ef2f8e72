// The channels' settings, read once from the environment with ConfigError's one-line messages:
//   SALESINSIGHTS_SMTP_URL           smtp://[user:pass@]host[:port] (STARTTLS when offered) or smtps://
//   SALESINSIGHTS_ALERT_EMAIL_FROM   the sender address (required with the SMTP URL)
//   SALESINSIGHTS_ALERT_EMAIL_TO     recipients, comma-separated (required with the SMTP URL)
//   SALESINSIGHTS_ALERT_WEBHOOK_URL  an Alertmanager-format webhook receiver (http:// or https://)
import { ConfigError, httpUrl, nonEmpty, type Env } from '../../core/settings.ts';

export interface EmailSettings {
  smtpUrl: string;
  from: string;
  to: string[];
}

export interface ChannelSettings {
  email?: EmailSettings;
  webhookUrl?: string;
}

const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$/;

function addresses(env: Env, name: string): string[] {
  const v = nonEmpty(env, name);
  if (v === undefined) throw new ConfigError(name, 'is required when SALESINSIGHTS_SMTP_URL is set; expected an e-mail address');
  const list = v.split(',').map((a) => a.trim());
  const bad = list.find((a) => !ADDRESS.test(a));
  if (bad !== undefined) throw new ConfigError(name, `"${bad}" is not an e-mail address`);
  return list;
}

function smtpUrl(env: Env, name: string): string | undefined {
  const v = nonEmpty(env, name);
  if (v === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'smtp:' && url?.protocol !== 'smtps:') throw new ConfigError(name, 'expected smtp://host:port or smtps://host:port');
  if (url.hostname === '') throw new ConfigError(name, 'names no host; expected smtp://host:port');
  return v;
}

export function channelSettings(env: Env): ChannelSettings {
  const url = smtpUrl(env, 'SALESINSIGHTS_SMTP_URL');
  const email = url === undefined ? undefined : { smtpUrl: url, from: addresses(env, 'SALESINSIGHTS_ALERT_EMAIL_FROM')[0]!, to: addresses(env, 'SALESINSIGHTS_ALERT_EMAIL_TO') };
  const webhookUrl = httpUrl(env, 'SALESINSIGHTS_ALERT_WEBHOOK_URL');
  return { ...(email ? { email } : {}), ...(webhookUrl ? { webhookUrl } : {}) };
}
