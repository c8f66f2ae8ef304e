import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toLogRecord } from './log';

describe('Kafka client logs', () => {
  it('keep where and what, and drop anything that could hold a record', () => {
    const record = toLogRecord({
      namespace: 'Connection',
      level: logLevel.DEBUG,
      label: 'DEBUG',
      log: {
        timestamp: '2026-01-01T00:00:00.000Z',
        message: 'Response Fetch(key: 1, version: 11)',
        broker: '127.0.0.1:19092',
        correlationId: 7,
        topic: 'orders',
        partition: 2,
        // kafkajs attaches decoded responses and raw buffers under these names at debug level.
        data: { responses: [{ messages: [{ key: 'card-4111', value: 'secret-value' }] }] },
        payload: Buffer.from('secret-value'),
        // A safe name does not make a non-scalar safe.
        error: { value: 'secret-value' },
      },
    });
    expect(record).toEqual({
      level: 'debug',
      namespace: 'Connection',
      message: 'Response Fetch(key: 1, version: 11)',
      fields: { broker: '127.0.0.1:19092', correlationId: 7, topic: 'orders', partition: 2 },
    });
    expect(JSON.stringify(record)).not.toMatch(/secret-value|card-4111/);
  });
});
