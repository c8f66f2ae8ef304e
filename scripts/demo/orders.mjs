// The demo's orders, as scripts/demo/producer.mjs writes them to demo.orders (the demo pipeline's
// mapping in prisma/seed-demo.ts reads ordered_at as ISO-8601 with a zone: keep the two in step).

export const DEMO_TOPIC = 'demo.orders';
const REGIONS = ['eu', 'us', 'apac'];

/** One order; `orderedAt` is written as ISO-8601 in UTC with milliseconds (2026-11-25T09:30:00.123Z). */
export function demoOrder(orderId, orderedAt = new Date()) {
  const customer = `c-${orderId % 250}`;
  return {
    key: customer,
    value: {
      order_id: orderId,
      customer_id: customer,
      region: REGIONS[orderId % REGIONS.length],
      amount_cents: 500 + (orderId % 9500),
      items: 1 + (orderId % 4),
      ordered_at: orderedAt.toISOString(),
    },
  };
}
