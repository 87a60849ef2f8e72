// Lifetime value per user, in keyed state ("customers", keyed by user_id); emitted for the users
// changed since the last firing.
import type { ShopEvent } from '../../core/event.ts';
import {
  addPurchase,
  customerValueResult,
  emptyCustomerValue,
  type CustomerValue,
  type CustomerValueResult,
} from '../aggregations/customer-value.ts';
import { BIGINT_KEY, jsonValue, type StateDescriptor, type ValueState } from '../state/keyed-state.ts';
import type { KeyedStateBackend } from '../state/state-backend.ts';

export interface CustomerValueEmission {
  userId: bigint;
  value: CustomerValueResult;
}

/** Written as [revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, ...recentSessions]. */
type StoredCustomerValue = [number, number, number, number, number, ...string[]];

export const CUSTOMERS: StateDescriptor<bigint, CustomerValue> = {
  name: 'customers',
  key: BIGINT_KEY,
  value: jsonValue<CustomerValue>(
    (v): StoredCustomerValue => [v.revenueCents, v.purchases, v.orders, v.firstPurchaseAt, v.lastPurchaseAt, ...v.recentSessions],
    (json) => {
      const [revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, ...recentSessions] = json as StoredCustomerValue;
      return { revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, recentSessions };
    },
  ),
};

export class CustomerValueOperator {
  private readonly users: ValueState<bigint, CustomerValue>;
  /** Users changed since the last firing: not keyed state, the pipeline keeps them with its progress. */
  private readonly dirty = new Set<bigint>();

  constructor(state: KeyedStateBackend) {
    this.users = state.valueState(CUSTOMERS);
  }

  get size(): number {
    return this.users.size;
  }

  process(e: ShopEvent): void {
    if (e.event_type !== 'purchase') return;
    const acc = this.users.get(e.user_id) ?? emptyCustomerValue();
    addPurchase(acc, e);
    this.users.put(e.user_id, acc);
    this.dirty.add(e.user_id);
  }

  onProcessingTime(): CustomerValueEmission[] {
    const out: CustomerValueEmission[] = [];
    for (const userId of this.dirty) out.push({ userId, value: customerValueResult(this.users.get(userId)!) });
    this.dirty.clear();
    return out;
  }

  /** The users the next firing emits (empty right after a firing, when checkpoints are taken). */
  pending(): bigint[] {
    return [...this.dirty];
  }

  restorePending(userIds: bigint[]): void {
    this.dirty.clear();
    for (const id of userIds) this.dirty.add(id);
  }
}
