// The aws-role module's policy documents rendered as its policies.tf renders them with templatefile(),
// for tests that prove them against STS and S3 where Terraform's AWS provider cannot be installed.
// The templates only interpolate variables; this renders that and refuses anything else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const moduleDir = join(import.meta.dirname, 'aws-role');

export interface AwsRolePolicyVars {
  trusted_principal_arn: string;
  external_id: string;
  bucket: string;
  prefix: string;
  glue_database: string;
  region: string;
  account_id: string;
}

/** The names policies.tf hands the templates (its locals.policy_vars). */
function policyVariableNames(): string[] {
  const tf = readFileSync(join(moduleDir, 'policies.tf'), 'utf8');
  const block = /policy_vars = \{([^}]*)\}/.exec(tf)?.[1] ?? '';
  return [...block.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1] as string).sort();
}

function render(file: string, vars: Record<string, string>): string {
  const text = readFileSync(join(moduleDir, 'policies', file), 'utf8');
  if (/%\{|\$\$\{/.test(text)) throw new Error(`${file} uses template syntax this renderer does not know`);
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${file} uses \${${name}}, which policies.tf does not pass`);
    return value;
  });
}

export function renderAwsRolePolicies(vars: AwsRolePolicyVars): { trust: string; permissions: string } {
  const given = Object.keys(vars).sort();
  const passed = policyVariableNames();
  if (given.join() !== passed.join())
    throw new Error(`policies.tf passes the templates ${passed.join(', ')}; got ${given.join(', ')}`);
  const values = { ...vars } as Record<string, string>;
  return { trust: render('trust.json.tftpl', values), permissions: render('permissions.json.tftpl', values) };
}
