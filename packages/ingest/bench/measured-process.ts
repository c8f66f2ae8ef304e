// One measured process of a benchmark: ingest-process.ts started with the agent's V8 flags, its JSON
// events read line by line as they come, its resident memory sampled while it runs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INGEST_NODE_FLAGS } from '../src/index';
import { rssMiB } from './proc';

/** One line of ingest-process.ts's output; which fields come depends on the event. */
export interface ProcessEvent {
  event: string;
  atMs?: number;
  engine?: string;
  reason?: string;
  message?: string;
  cpu?: Record<string, number>;
  stageMs?: Record<string, number>;
  [field: string]: unknown;
}

export interface MeasuredProcess {
  pid: number;
  /** Its JSON lines on stdout, in order, until it exits. */
  events: AsyncIterable<ProcessEvent>;
  /** The highest resident memory seen so far, MiB (sampled every 250 ms). */
  peakRssMiB: () => number;
  /** Its exit code, once it has exited (sampling stops then). */
  exited: Promise<number | null>;
}

/** Starts `ingest-process.ts <args>`; `env` adds to this process's environment. */
export function startMeasured(args: string[], env: Record<string, string> = {}): MeasuredProcess {
  const child = spawn(
    process.execPath,
    [...INGEST_NODE_FLAGS, '--import', 'tsx', join(import.meta.dirname, 'ingest-process.ts'), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const pid = child.pid as number;
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {}
  }, 250);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearInterval(sampler);
      resolve(code);
    }),
  );
  async function* events(): AsyncGenerator<ProcessEvent> {
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('{')) yield JSON.parse(line) as ProcessEvent;
    }
  }
  return { pid, events: events(), peakRssMiB: () => peak, exited };
}
