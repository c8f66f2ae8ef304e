#!/usr/bin/env node
// The demo's order stream: a few JSON orders per second on demo.orders (3 partitions), keyed by
// customer, so the demo pipeline has something to fill its table with. Stops on SIGTERM.
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const TOPIC = 'demo.orders';
const REGIONS = ['eu', 'us', 'apac'];
const kafka = new Kafka({
  clientId: 'floe-demo-producer',
  brokers: (process.env.FLOE_KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  logLevel: logLevel.ERROR,
});
const admin = kafka.admin();
await admin.connect();
const existing = new Set(await admin.listTopics());
const missing = [
  { topic: TOPIC, numPartitions: 3 },
  { topic: `${TOPIC}.dlq`, numPartitions: 1 },
].filter((t) => !existing.has(t.topic));
if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
let orderId = Date.now();
const timer = setInterval(async () => {
  const messages = Array.from({ length: 10 }, () => {
    orderId += 1;
    const customer = `c-${orderId % 250}`;
    return {
      key: customer,
      value: JSON.stringify({
        order_id: orderId,
        customer_id: customer,
        region: REGIONS[orderId % REGIONS.length],
        amount_cents: 500 + (orderId % 9500),
        items: 1 + (orderId % 4),
        ordered_at: new Date().toISOString(),
      }),
    };
  });
  await producer
    .send({ topic: TOPIC, messages })
    .catch((error) => console.error(`demo producer: ${error.message}`));
}, 500);
process.once('SIGTERM', async () => {
  clearInterval(timer);
  await producer.disconnect();
  process.exit(0);
});
