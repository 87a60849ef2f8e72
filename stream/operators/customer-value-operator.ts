// Keyed state of lifetime value per user, emitted for users changed since the last firing.
import type { ShopEvent } from '../../core/event.ts';
import {
  addPurchase,
  customerValueResult,
  emptyCustomerValue,
  type CustomerValue,
  type CustomerValueResult,
} from '../aggregations/customer-value.ts';

export interface CustomerValueEmission {
  userId: bigint;
  value: CustomerValueResult;
}

interface StoredCustomerValue {
  revenueCents: number;
  purchases: number;
  sessions: string[];
  sessionlessOrders: number;
  firstPurchaseAt: number;
  lastPurchaseAt: number;
}

export interface CustomerValueSnapshot {
  users: Array<[string, StoredCustomerValue]>;
  dirty: string[];
}

export class CustomerValueOperator {
  private readonly users = new Map<bigint, CustomerValue>();
  private readonly dirty = new Set<bigint>();

  get size(): number {
    return this.users.size;
  }

  process(e: ShopEvent): void {
    if (e.event_type !== 'purchase') return;
    let acc = this.users.get(e.user_id);
    if (!acc) this.users.set(e.user_id, (acc = emptyCustomerValue()));
    addPurchase(acc, e);
    this.dirty.add(e.user_id);
  }

  onProcessingTime(): CustomerValueEmission[] {
    const out: CustomerValueEmission[] = [];
    for (const userId of this.dirty) out.push({ userId, value: customerValueResult(this.users.get(userId)!) });
    this.dirty.clear();
    return out;
  }

  snapshot(): CustomerValueSnapshot {
    return {
      users: [...this.users].map(([id, v]) => [String(id), { ...v, sessions: [...v.sessions] }]),
      dirty: [...this.dirty].map(String),
    };
  }

  restore(s: CustomerValueSnapshot): void {
    this.users.clear();
    this.dirty.clear();
    for (const [id, v] of s.users) this.users.set(BigInt(id), { ...v, sessions: new Set(v.sessions) });
    for (const id of s.dirty) this.dirty.add(BigInt(id));
  }
}
