// Downloads jars from Maven Central into the shared cache (once; a marker file says it finished).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';

const quiet = ['-q', '-B', '-ntp'];

export function mavenCopyDependencies({ say, what, pom, properties, outputDir, cacheDir }) {
  const marker = join(outputDir, '.complete');
  if (existsSync(marker)) return;
  say(`downloading ${what} from Maven Central (once; cached in ${outputDir})`);
  const props = Object.entries(properties).map(([k, v]) => `-D${k}=${v}`);
  run('mvn', [
    ...quiet,
    `-Dmaven.repo.local=${join(cacheDir, 'm2')}`,
    '-f',
    pom,
    ...props,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${outputDir}`,
    '-DincludeScope=runtime',
  ]);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

export function mavenCopyArtifact({ say, what, artifact, outputDir, cacheDir }) {
  const marker = join(outputDir, '.complete');
  if (existsSync(marker)) return;
  say(`downloading ${what} from Maven Central (once; cached in ${outputDir})`);
  run('mvn', [
    ...quiet,
    `-Dmaven.repo.local=${join(cacheDir, 'm2')}`,
    'dependency:copy',
    `-Dartifact=${artifact}`,
    `-DoutputDirectory=${outputDir}`,
  ]);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}
