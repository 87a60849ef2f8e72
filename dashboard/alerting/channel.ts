// Where notifications go. A channel sends one notification or throws; retrying is the delivery
// queue's business, so a channel holds no retry logic of its own.
import type { Notification } from './rule-evaluation.ts';

export interface NotificationChannel {
  /** `email`, `webhook`: the name status and /metrics report it under. */
  readonly name: string;
  send(notification: Notification): Promise<void>;
  close?(): Promise<void>;
}
