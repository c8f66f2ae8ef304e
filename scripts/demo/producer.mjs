#!/usr/bin/env node
// The demo's order stream: a few JSON orders per second on demo.orders (3 partitions), keyed by
// customer, so the demo pipeline has something to fill its table with. Stops on SIGTERM.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { demoOrder, DEMO_TOPIC as TOPIC } from './orders.mjs';

const kafka = new Kafka({
  clientId: 'floe-demo-producer',
  brokers: (process.env.FLOE_KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  logLevel: logLevel.ERROR,
});
const admin = kafka.admin();
await admin.connect();
// The dead-letter topic (demo.orders.dlq) is the agent's to create, with as many partitions as this one.
if (!(await admin.listTopics()).includes(TOPIC))
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
let orderId = Date.now();
const timer = setInterval(async () => {
  const messages = Array.from({ length: 10 }, () => {
    orderId += 1;
    const { key, value } = demoOrder(orderId);
    return { key, value: JSON.stringify(value) };
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
