import { describe, expect, it } from 'vitest';
import { channelSettings } from './channel-settings.ts';

describe('channel settings', () => {
  it('reads the SMTP URL with its addresses and the webhook URL', () => {
    expect(
      channelSettings({
        SALESINSIGHTS_SMTP_URL: 'smtps://u:p@mail.example:465',
        SALESINSIGHTS_ALERT_EMAIL_FROM: 'alerts@example.com',
        SALESINSIGHTS_ALERT_EMAIL_TO: 'a@example.com, b@example.com',
        SALESINSIGHTS_ALERT_WEBHOOK_URL: 'http://hooks.example/alert',
      }),
    ).toEqual({ email: { smtpUrl: 'smtps://u:p@mail.example:465', from: 'alerts@example.com', to: ['a@example.com', 'b@example.com'] }, webhookUrl: 'http://hooks.example/alert' });
    expect(channelSettings({})).toEqual({});
  });

  it('fails with one line naming the setting, never echoing the URL\'s password', () => {
    expect(() => channelSettings({ SALESINSIGHTS_SMTP_URL: 'http://u:secret@mail' })).toThrow('SALESINSIGHTS_SMTP_URL: expected smtp://host:port or smtps://host:port');
    expect(() => channelSettings({ SALESINSIGHTS_SMTP_URL: 'smtp://mail:25' })).toThrow('SALESINSIGHTS_ALERT_EMAIL_FROM: is required when SALESINSIGHTS_SMTP_URL is set');
    expect(() => channelSettings({ SALESINSIGHTS_SMTP_URL: 'smtp://mail:25', SALESINSIGHTS_ALERT_EMAIL_FROM: 'a@b', SALESINSIGHTS_ALERT_EMAIL_TO: 'a@b, nobody' })).toThrow(
      'SALESINSIGHTS_ALERT_EMAIL_TO: "nobody" is not an e-mail address',
    );
    expect(() => channelSettings({ SALESINSIGHTS_ALERT_WEBHOOK_URL: 'ftp://x' })).toThrow('SALESINSIGHTS_ALERT_WEBHOOK_URL');
  });
});
