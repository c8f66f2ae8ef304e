// What the benchmarks read about a measured process from /proc, and the machine they ran on.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { INGEST_NODE_FLAGS } from '../src/index';

const TICKS = 100; // /proc CPU times are in clock ticks of 1/100 s on Linux

/** The process's CPU seconds so far, user and system, all threads. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version} (${INGEST_NODE_FLAGS.join(' ')})`;
}
