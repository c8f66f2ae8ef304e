import { readFile } from 'node:fs/promises';
import { type PipelineSpec, pipelineSpecSchema } from '@floe/protocol';
import { parse } from 'yaml';

/** A pipeline spec file that does not hold a valid spec; the message names each bad key. */
export class SpecFileError extends Error {
  override name = 'SpecFileError';
}

/** Reads a pipeline spec from YAML (or JSON, which is YAML) for `floe-agent run --pipeline`. */
export async function readSpecFile(path: string): Promise<PipelineSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SpecFileError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new SpecFileError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
  const result = pipelineSpecSchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new SpecFileError(`${path}: not a valid pipeline spec:\n${problems.join('\n')}`);
  }
  return result.data;
}
