import { nativeConsumerRefusal, nativeEngineStatus } from '@floe/ingest';
import { describe, expect, it } from 'vitest';
import { exactlyOnceUnderKills } from '../testing/chaos';

// `npm test` runs the proof at a size that fits CI; `npm run test:chaos` sets FLOE_CHAOS_RECORDS=1000000
// and FLOE_CHAOS_KILLS=20 for the long run.
const records = Number(process.env.FLOE_CHAOS_RECORDS ?? 100_000);
const kills = Number(process.env.FLOE_CHAOS_KILLS ?? 5);
// Each engine this machine has, asked for by name (a native engine that did not load fails the run).
const engines = nativeEngineStatus().available ? (['native', 'portable'] as const) : (['portable'] as const);
// Each engine on the plain listener, committing to the REST catalog; then once more with the agents
// reading over SASL_SSL (SCRAM-SHA-512, the stack's CA) through librdkafka where the native engine has
// it, committing to Project Nessie's Iceberg REST API where the stack runs it (`npm test` starts it;
// `npm run stack -- up nessie` by hand): signing in again after every kill must not cost a record or
// commit one twice, librdkafka's group must place every partition at the table's offsets, and a second
// catalog family must keep the offsets it was given. One run covers both, so CI pays for one.
const runs = [
  ...engines.map((engine) => ({
    engine,
    consumer: 'auto' as const,
    listener: 'plain' as const,
    catalog: 'rest' as const,
  })),
  {
    engine: 'auto' as const,
    consumer: nativeConsumerRefusal({}) === undefined ? ('librdkafka' as const) : ('auto' as const),
    listener: 'sasl-ssl' as const,
    catalog: process.env.FLOE_NESSIE_URI ? ('nessie' as const) : ('rest' as const),
  },
];

describe('exactly once through SIGKILLs and a rebalance (real Kafka, REST catalog, S3; read back by pyiceberg)', () => {
  it.each(runs)(
    `$engine engine ($consumer) on the $listener listener, $catalog catalog: ${records} records, ${kills} kills, then two agents sharing the partitions`,
    {
      timeout: 40 * 60_000,
    },
    async ({ engine, consumer, listener, catalog }) => {
      const result = await exactlyOnceUnderKills({
        listener,
        catalog,
        records,
        partitions: 6,
        kills,
        engine,
        consumer,
        restartBroker: process.env.FLOE_CHAOS_BROKER_RESTART === '1',
        log: (line) => console.log(`[chaos] ${line}`),
      });
      console.log(`[chaos] ${engine} ${consumer} ${listener} ${catalog} result ${JSON.stringify(result)}`);
      // Every kill made; every record of the topic in the table once (a record the producer had to send
      // again after the broker restart is a record of the topic like any other), every seq there.
      expect(result).toEqual({
        kills: kills + 1,
        produced: result.rows,
        distinctProduced: records,
        committed: result.rows,
        rows: result.distinctCoordinates,
        distinctCoordinates: result.produced,
        distinctSeq: records,
        minSeq: 0,
        maxSeq: records - 1,
        wrongPayloads: 0,
      });
      expect(result.produced).toBeGreaterThanOrEqual(records);
    },
  );
});
