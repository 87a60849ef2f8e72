// Lifetime value per user, in keyed state ("customers", keyed by user_id); emitted for the users
// changed since the last firing.
import type { ShopEvent } from '../../core/event.ts';
import {
  addPurchase,
  customerValueResult,
  emptyCustomerValue,
  withApproximateHistory,
  type CustomerValue,
  type CustomerValueResult,
} from '../aggregations/customer-value.ts';
import type { OrderHistory } from '../clv/customer-summary.ts';
import { BIGINT_KEY, jsonValue, type StateDescriptor, type ValueState } from '../state/keyed-state.ts';
import type { KeyedStateBackend } from '../state/state-backend.ts';

export interface CustomerValueEmission {
  userId: bigint;
  value: CustomerValueResult;
}

/**
 * Written as [revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, firstOrderAt,
 * firstOrderValueCents, lastOrderAt, repeatOrderValueCents, ...[session, orderAt] pairs]. State
 * written before order histories were kept has the sessions right after lastPurchaseAt.
 */
type StoredCustomerValue = [number, number, number, number, number, ...Array<string | number>];

function encodeCustomer(v: CustomerValue): StoredCustomerValue {
  const h = v.history;
  const recent = v.recentSessions.flatMap((session, i) => [session, v.recentOrderAt[i]!]);
  return [v.revenueCents, v.purchases, v.orders, v.firstPurchaseAt, v.lastPurchaseAt, h?.firstOrderAt ?? 0, h?.firstOrderValue ?? 0, h?.lastOrderAt ?? 0, h?.repeatOrderValueSum ?? 0, ...recent];
}

function decodeCustomer(json: unknown): CustomerValue {
  const [revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, ...rest] = json as StoredCustomerValue;
  if (typeof rest[0] !== 'number') return withApproximateHistory({ revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, recentSessions: rest as string[] });
  const [firstOrderAt, firstOrderValue, lastOrderAt, repeatOrderValueSum, ...recent] = rest as number[];
  const recentSessions: string[] = [];
  const recentOrderAt: number[] = [];
  for (let i = 0; i + 1 < recent.length; i += 2) {
    recentSessions.push(String(recent[i]));
    recentOrderAt.push(Number(recent[i + 1]));
  }
  const history = orders > 0 ? { firstOrderAt: firstOrderAt!, firstOrderValue: firstOrderValue!, lastOrderAt: lastOrderAt!, orders, repeatOrderValueSum: repeatOrderValueSum! } : undefined;
  return { revenueCents, purchases, orders, firstPurchaseAt, lastPurchaseAt, recentSessions, recentOrderAt, history };
}

export const CUSTOMERS: StateDescriptor<bigint, CustomerValue> = {
  name: 'customers',
  key: BIGINT_KEY,
  value: jsonValue<CustomerValue>(encodeCustomer, decodeCustomer),
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

  /** A customer's orders as the lifetime-value model reads them (values in cents). */
  historyOf(userId: bigint): OrderHistory | undefined {
    return this.users.get(userId)?.history;
  }

  /** Every purchasing customer's order history. */
  *histories(): Generator<[bigint, OrderHistory]> {
    for (const [userId, v] of this.users.entries()) if (v.history) yield [userId, v.history];
  }

  onProcessingTime(): CustomerValueEmission[] {
    const out: CustomerValueEmission[] = [];
    for (const userId of this.dirty) out.push({ userId, value: customerValueResult(this.users.get(userId)!) });
    this.dirty.clear();
    return out;
  }

  /** The user is emitted (and scored) again at the next firing. */
  markChanged(userId: bigint): void {
    if (this.users.has(userId)) this.dirty.add(userId);
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
