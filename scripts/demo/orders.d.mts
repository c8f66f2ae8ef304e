export const DEMO_TOPIC: 'demo.orders';

export interface DemoOrder {
  order_id: number;
  customer_id: string;
  region: string;
  amount_cents: number;
  items: number;
  /** ISO-8601 in UTC with milliseconds. */
  ordered_at: string;
}

/** One order as the demo producer writes it: keyed by customer. */
export function demoOrder(orderId: number, orderedAt?: Date): { key: string; value: DemoOrder };
