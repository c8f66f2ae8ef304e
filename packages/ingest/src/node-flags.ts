/**
 * The V8 flags a process that ingests is started with: the agent (its bin, its image) and the
 * benchmark that measures it.
 *
 * Every fetched byte lives in an ArrayBuffer outside the JS heap, and V8 counts the external memory
 * allocated since its last full GC against the old generation's allocation limit. The agent's JS
 * heap is small (~30 MB), so V8 sets that limit only ~24 MB above it: less than the 32 MB of young
 * ArrayBuffers at which V8 runs a cheap scavenge that would free them. From then on, every ~24 MB
 * fetched costs a full mark-compact — measured on the bench topic: 36 per million records, about half
 * of the engine's CPU again. A 128 MB floor under that limit lets scavenges free the fetch buffers
 * first. It is a threshold, not a reservation: resident memory does not grow.
 *
 * Nothing on the JS heap grows with the records ingested (heap snapshots after 1M and 3M records of
 * one native process differ by 0.8 MB, mostly compiled code); without the flag the mark-compacts
 * start once the first one has run, which is why later records looked dearer. Handing kafkajs each
 * response in one buffer (no per-read buffers, no concatenation) did not reduce their number.
 */
export const INGEST_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** The ingest flags this process was started without (a flag counts whatever value it was given). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return INGEST_NODE_FLAGS.filter((flag) => {
    const name = flag.split('=')[0] as string;
    return !execArgv.some((arg) => arg === name || arg.startsWith(`${name}=`));
  });
}
