/** The benchmark topic's events: JSON of 10 fields, about 400 bytes, as a clickstream looks. */
export const PARTITIONS = 4;

export function benchEvent(seq: number, sentAtMs: number): string {
  return JSON.stringify({
    event_id: seq,
    sent_at_ms: sentAtMs,
    user_id: seq % 100_003,
    session_id: `s-${(seq * 7919) % 1_000_003}-${'x'.repeat(40)}`,
    event_type: ['view', 'click', 'purchase', 'scroll'][seq % 4],
    page_url: `https://shop.example.com/products/${seq % 5000}/details?ref=campaign-${seq % 17}&utm=${'y'.repeat(40)}`,
    user_agent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    amount: (seq % 10_000) / 100,
    country: ['DE', 'US', 'FR', 'JP', 'BR'][seq % 5],
    is_mobile: seq % 3 === 0,
  });
}
