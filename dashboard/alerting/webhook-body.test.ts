import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.ts';
import type { Notification } from './rule-evaluation.ts';
import { webhookBody } from './webhook-body.ts';

const NOTIFICATION: Notification = {
  rule: 'component-failed',
  kind: 'pipeline',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'component-failed', component: 'connector', severity: 'critical' },
      annotations: { summary: 'connector failed' },
      value: 1,
      startsAtMs: Date.parse('2024-05-01T10:00:00Z'),
      fingerprint: fingerprint({ alertname: 'component-failed', component: 'connector', severity: 'critical' }),
    },
    {
      status: 'resolved',
      labels: { alertname: 'component-failed', component: 'aggregator', severity: 'critical' },
      annotations: { summary: 'aggregator failed' },
      value: 1,
      startsAtMs: Date.parse('2024-05-01T09:00:00Z'),
      endsAtMs: Date.parse('2024-05-01T10:00:00Z'),
      fingerprint: fingerprint({ alertname: 'component-failed', component: 'aggregator', severity: 'critical' }),
    },
  ],
};

describe("Alertmanager's webhook body", () => {
  it('has the version 4 fields, the group and the common labels', () => {
    const body = webhookBody(NOTIFICATION, { receiver: 'salesinsights', externalURL: 'http://dash:3000/' });
    expect(body).toEqual({
      version: '4',
      groupKey: '{}:{alertname="component-failed"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'salesinsights',
      groupLabels: { alertname: 'component-failed' },
      commonLabels: { alertname: 'component-failed', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://dash:3000/',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'component-failed', component: 'connector', severity: 'critical' },
          annotations: { summary: 'connector failed' },
          startsAt: '2024-05-01T10:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://dash:3000/api/alerts?rule=component-failed',
          fingerprint: NOTIFICATION.alerts[0]!.fingerprint,
        },
        {
          status: 'resolved',
          labels: { alertname: 'component-failed', component: 'aggregator', severity: 'critical' },
          annotations: { summary: 'aggregator failed' },
          startsAt: '2024-05-01T09:00:00.000Z',
          endsAt: '2024-05-01T10:00:00.000Z',
          generatorURL: 'http://dash:3000/api/alerts?rule=component-failed',
          fingerprint: NOTIFICATION.alerts[1]!.fingerprint,
        },
      ],
    });
    expect(webhookBody({ ...NOTIFICATION, alerts: NOTIFICATION.alerts.slice(1) }, { receiver: 'r', externalURL: 'http://x' }).status).toBe('resolved');
  });

  it("fingerprints label sets as Prometheus does, whatever the order of the labels", () => {
    // Reference values printed by Go's hash/fnv FNV-1a 64 over the same bytes (prometheus/common's algorithm).
    expect(fingerprint({})).toBe('cbf29ce484222325');
    expect(fingerprint({ severity: 'critical', alertname: 'ingest-stalled' })).toBe('af0bca3784b7bd50');
    expect(fingerprint({ alertname: 'component-failed', component: 'connector', severity: 'critical' })).toBe('f0b4310defe73187');
  });
});
