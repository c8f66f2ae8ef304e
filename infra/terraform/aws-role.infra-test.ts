import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPaths } from '../tools/install.mjs';
import { type AwsRolePolicyVars, renderAwsRolePolicies } from './aws-role-policies';

// The aws-role module checked with OpenTofu. Its AWS provider cannot be installed here (the provider
// registry is not reachable), so `tofu init`/`validate` cannot run on the module itself; what runs is
// the module less its resources: the variables' validations and policies.tf's rendering of the
// policy documents, which must equal what apps/agent's moto test proves (aws-role-policies.ts).
const tools = toolPaths();
const moduleDir = join(import.meta.dirname, 'aws-role');
const good: AwsRolePolicyVars = {
  trusted_principal_arn: 'arn:aws:iam::123456789012:role/floe-agent',
  external_id: 'floe-0123456789abcdef0123456789abcdef',
  bucket: 'acme-lake',
  prefix: 'floe/warehouse',
  glue_database: 'floe',
  region: 'eu-west-1',
  account_id: '123456789012',
};

const scratch = mkdtempSync(join(tmpdir(), 'floe-tofu-'));
const root = join(scratch, 'module');
// An empty CLI configuration of its own: the machine's may name a file that is not there.
const cliConfig = join(scratch, 'cli.tfrc');
writeFileSync(cliConfig, '');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tofu(cwd: string, args: string[]) {
  const result = spawnSync(tools.tofu, [...args, '-no-color'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1' },
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('infra/terraform/aws-role', () => {
  beforeAll(() => {
    for (const part of ['variables.tf', 'policies.tf', 'policies'])
      cpSync(join(moduleDir, part), join(root, part), { recursive: true });
    writeFileSync(
      join(root, 'outputs.tf'),
      'output "trust" { value = local.trust_policy }\noutput "permissions" { value = local.permissions_policy }\n',
    );
    const init = tofu(root, ['init', '-input=false']);
    if (init.code !== 0) throw new Error(init.out);
  });

  /** Applies the resource-less copy with these variables; returns the outputs or the error. */
  function apply(vars: AwsRolePolicyVars) {
    writeFileSync(join(root, 'vars.tfvars.json'), JSON.stringify(vars));
    const applied = tofu(root, ['apply', '-auto-approve', '-input=false', '-var-file=vars.tfvars.json']);
    if (applied.code !== 0) return { error: applied.out };
    const outputs = JSON.parse(tofu(root, ['output', '-json']).out);
    return { trust: outputs.trust.value as string, permissions: outputs.permissions.value as string };
  }

  it('is formatted as tofu fmt writes it', () => {
    const { code, out } = tofu(import.meta.dirname, ['fmt', '-check', '-diff', '-recursive']);
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('renders, with templatefile(), exactly the policy documents the moto test proves', () => {
    const rendered = apply(good);
    expect(rendered).toEqual(renderAwsRolePolicies(good));
    expect(JSON.parse(rendered.trust as string).Statement[0].Condition).toEqual({
      StringEquals: { 'sts:ExternalId': good.external_id },
    });
  });

  it.each([
    ['external_id', 'floe-"x"', 'external_id must be'],
    ['external_id', 'x', 'external_id must be'],
    ['prefix', '/floe', 'prefix must be'],
    ['prefix', 'floe/', 'prefix must be'],
    ['prefix', 'floe/*', 'prefix must be'],
    ['trusted_principal_arn', 'floe-agent', 'trusted_principal_arn must be'],
    ['bucket', 'Acme_Lake', 'bucket must be'],
    ['glue_database', 'Floe-DB', 'glue_database must be'],
    ['region', 'eu-west', 'region must be'],
    ['account_id', '1234', 'account_id must be'],
  ] as const)('refuses %s = %j before anything is made', (name, value, message) => {
    const { error } = apply({ ...good, [name]: value });
    expect(error).toContain(message);
  });
});
