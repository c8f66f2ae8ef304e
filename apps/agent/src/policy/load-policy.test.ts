import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { choosePolicy, PolicyFileError, parsePolicy, readPolicyFile } from './load-policy';

const dir = mkdtempSync(join(tmpdir(), 'floe-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the agent policy file', () => {
  it('reads YAML, fills what is left out with nothing allowed', async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'kafka:',
        '  bootstrapHosts: ["b-1.kafka.internal:9092", "*.msk.internal:9096"]',
        'storage:',
        '  locations:',
        '    - { bucket: acme-lake, prefix: floe/ }',
        'secrets:',
        '  envPrefixes: [FLOE_SECRET_]',
      ].join('\n'),
    );
    const policy = await readPolicyFile(file);
    expect(policy.file).toBe(file);
    expect(policy.rules).toMatchObject({
      kafka: { bootstrapHosts: ['b-1.kafka.internal:9092', '*.msk.internal:9096'] },
      schemaRegistry: { urls: [] },
      catalog: { restUris: [], glue: [], hiveMetastores: [] },
      storage: { locations: [{ bucket: 'acme-lake', prefix: 'floe/' }] },
      aws: { roleArns: [] },
      secrets: { envPrefixes: ['FLOE_SECRET_'], fileFolders: [], secretsManagerArns: [] },
    });
  });

  it('names every key that is wrong, unknown keys included', () => {
    const bad = () =>
      parsePolicy(
        {
          kafka: { bootstrapHosts: ['no-port'] },
          schemaRegistry: { urls: ['https://user:pw@registry'] },
          storage: { locations: [{ bucket: 'acme-lake', prefix: '../x' }] },
          secrets: { fileFolders: ['/'], envPrefix: ['X_'] },
          permissive: true,
        },
        'policy.yaml',
      );
    expect(bad).toThrow(PolicyFileError);
    const message = (() => {
      try {
        bad();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('policy.yaml: not a valid agent policy');
    expect(message).toContain('policy.kafka.bootstrapHosts[0]: host:port');
    expect(message).toContain('policy.schemaRegistry.urls[0]: an http(s) URL with no user');
    expect(message).toContain('policy.storage.locations[0].prefix: a key prefix without . or ..');
    expect(message).toContain('policy.secrets.fileFolders[0]: an absolute folder other than /');
    expect(message).toContain('policy.secrets.envPrefix: not a policy key');
    expect(message).toContain('policy.permissive: not a policy key');
  });

  it('says what it cannot read', async () => {
    await expect(readPolicyFile(join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: cannot read the policy file \(ENOENT\)/,
    );
    writeFileSync(join(dir, 'broken.yaml'), 'kafka: [');
    await expect(readPolicyFile(join(dir, 'broken.yaml'))).rejects.toThrow('not valid YAML');
  });

  it('with no file allows nothing, and is permissive only when asked, with a warning', async () => {
    const warnings: string[] = [];
    const none = await choosePolicy({}, (m) => warnings.push(m));
    expect(none.file).toBeUndefined();
    expect(none.rules).toMatchObject({ kafka: { bootstrapHosts: [] } });
    expect(warnings.at(-1)).toContain(
      'every job that connects anywhere or resolves a secret will be refused',
    );
    const open = await choosePolicy({ permissive: true }, (m) => warnings.push(m));
    expect(open.rules).toBe('permissive');
    expect(warnings.at(-1)).toMatch(/^PERMISSIVE: /);
    await expect(choosePolicy({ file: 'x.yaml', permissive: true }, () => {})).rejects.toThrow(
      'exclude each other',
    );
  });
});
