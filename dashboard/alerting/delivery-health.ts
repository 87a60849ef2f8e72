// The delivery queue's counts as a component status for /api/health: `retrying` while a channel
// waits to retry a notification, `failed` once a channel gave one up (until it delivers again),
// else `running`. The counts only grow: a channel whose failed count grew since the previous look
// failed last, one whose delivered count alone grew delivered last.
import { ComponentStatus, type ComponentStatusView } from '../../core/component-status.ts';
import type { DeliveryStatus } from './delivery-queue.ts';

export class DeliveryHealth {
  private readonly status = new ComponentStatus();
  /** Per channel: the delivered and failed counts when last looked at, and whether it failed last. */
  private readonly seen = new Map<string, { delivered: number; failed: number; failedLast: boolean }>();

  view(channels: Record<string, DeliveryStatus>): ComponentStatusView {
    let failed: string | undefined;
    let retrying: string | undefined;
    for (const [name, s] of Object.entries(channels)) {
      const before = this.seen.get(name) ?? { delivered: 0, failed: 0, failedLast: false };
      // Both grew between two looks: the failure is reported (the later one is not known).
      const failedLast = s.failed > before.failed ? true : s.delivered > before.delivered ? false : before.failedLast;
      this.seen.set(name, { delivered: s.delivered, failed: s.failed, failedLast });
      if (failedLast) failed ??= s.lastError ?? `${name}: a notification could not be delivered`;
      if (s.retrying > 0) retrying ??= s.lastError ?? `${name}: retrying a notification`;
    }
    if (retrying !== undefined) this.status.retrying(retrying);
    else if (failed !== undefined) this.status.failed(failed);
    else this.status.running();
    return this.status.view();
  }
}
