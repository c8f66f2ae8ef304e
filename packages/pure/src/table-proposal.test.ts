import { describe, expect, it } from 'vitest';
import {
  type DiscoveredField,
  partitionLayout,
  partitionTransforms,
  storeAsChoices,
  tableNamesFromTopic,
} from './table-proposal';

const field = (over: Partial<DiscoveredField>): DiscoveredField => ({
  path: ['f'],
  type: 'string',
  timestamp: null,
  ...over,
});

describe('the wizard proposal', () => {
  it('names the table after the topic', () => {
    expect(tableNamesFromTopic('sales.orders')).toEqual({ namespace: 'sales', tableName: 'orders' });
    expect(tableNamesFromTopic('orders-v2')).toEqual({ namespace: 'kafka', tableName: 'orders_v2' });
    expect(tableNamesFromTopic('EU.Web-Clicks.2024')).toEqual({
      namespace: 'eu.web_clicks',
      tableName: 't_2024',
    });
  });

  it('offers timestamptz only where the values can be read as one, and only for top-level fields', () => {
    expect(storeAsChoices(field({ type: 'string' })).map((c) => c.value)).toEqual(['', 'iso8601']);
    expect(storeAsChoices(field({ type: 'long' })).map((c) => c.value)).toEqual([
      '',
      'epoch-s',
      'epoch-ms',
      'epoch-us',
    ]);
    expect(storeAsChoices(field({ type: 'boolean' }))).toHaveLength(1);
    expect(storeAsChoices(field({ type: 'string', path: ['a', 'b'] }))).toHaveLength(1);
    expect(storeAsChoices(field({ type: 'long', timestamp: 'epoch-ms' }))[2]?.label).toBe(
      'timestamptz (epoch milliseconds) · suggested',
    );
  });

  it('offers time transforms for times and value transforms for the rest', () => {
    expect(partitionTransforms('string', true)).toEqual(['day', 'hour', 'month', 'year']);
    expect(partitionTransforms('string', false)).toEqual(['identity', 'bucket[16]', 'truncate[4]']);
    expect(partitionTransforms('struct', false)).toEqual([]);
  });

  it('shows the folder layout a spec makes', () => {
    expect(partitionLayout([])).toBe('data/ (one folder: unpartitioned)');
    expect(
      partitionLayout([
        { source: 'ordered_at', transform: 'day' },
        { source: 'user_id', transform: 'bucket[16]' },
        { source: 'country', transform: 'identity' },
      ]),
    ).toBe('data/ordered_at_day=YYYY-MM-DD/user_id_bucket=0…15/country=<value>/');
  });
});
