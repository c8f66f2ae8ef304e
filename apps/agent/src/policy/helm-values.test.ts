import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentPolicySchema } from '@floe/protocol';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { parsePolicy } from './load-policy';

// The Helm chart renders `policy` from its values into the file the agent reads: its values schema
// must refuse what the agent would refuse, key for key, and its default must be a valid (empty) policy.
const chart = join(import.meta.dirname, '../../../../infra/helm/floe-agent');

const withoutDefaults = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutDefaults)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([key]) => key !== 'default' && key !== '$schema')
            .map(([key, v]) => [key, withoutDefaults(v)]),
        )
      : value;

describe('the Helm chart and the agent agree on the policy', () => {
  it("has the agent's policy schema in values.schema.json", () => {
    const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
    const { description, ...policy } = schema.properties.policy;
    expect(description).toContain('agentPolicySchema');
    expect(policy).toEqual(
      withoutDefaults(z.toJSONSchema(agentPolicySchema, { io: 'input', target: 'draft-7' })),
    );
  });

  it('ships a default that allows nothing', () => {
    const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8'));
    expect(parsePolicy(values.policy, 'values.yaml')).toEqual(agentPolicySchema.parse({}));
  });
});
