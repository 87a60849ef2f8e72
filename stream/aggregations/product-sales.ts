// Sales of one product in one window: an incremental aggregate (create / add). Partitions'
// partial results are merged by the store's view, not here.
import type { ShopEvent } from '../../core/event.ts';

export interface ProductSales {
  revenueCents: number;
  purchases: number;
  views: number;
  carts: number;
  removals: number;
}

export function emptyProductSales(): ProductSales {
  return { revenueCents: 0, purchases: 0, views: 0, carts: 0, removals: 0 };
}

export function addEvent(acc: ProductSales, e: ShopEvent): void {
  switch (e.event_type) {
    case 'purchase':
      acc.purchases += 1;
      acc.revenueCents += e.price_cents;
      break;
    case 'view':
      acc.views += 1;
      break;
    case 'cart':
      acc.carts += 1;
      break;
    case 'remove_from_cart':
      acc.removals += 1;
      break;
  }
}
