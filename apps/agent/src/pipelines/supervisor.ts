import { type OpenedPipeline, openPipeline, type PipelineHost, type PipelineMetrics } from '@floe/ingest';
import type { PipelineSpec } from '@floe/protocol';
import { PolicyError } from '../policy/policy-error';

export type PipelineState = 'starting' | 'running' | 'retrying' | 'paused';

export interface SupervisedPipeline {
  spec: PipelineSpec;
  state: PipelineState;
  /** Why it is retrying or paused (Floe's own words: no record content). */
  error?: string;
  metrics?: PipelineMetrics;
}

interface Entry extends SupervisedPipeline {
  opened?: OpenedPipeline;
  retryTimer?: NodeJS.Timeout;
  failures: number;
}

type Log = (message: string, fields?: Record<string, unknown>) => void;

const MAX_RETRY_MS = 60_000;

/**
 * Keeps the pipelines this agent should run running: starts them, replaces one when a newer version of
 * its spec arrives, retries a start that failed (Kafka or the catalog unreachable) with backoff, and
 * leaves a pipeline its bad-record policy paused alone until a new version comes.
 */
export class PipelineSupervisor {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly hostFor: (spec: PipelineSpec, supervisor: PipelineSupervisor) => Promise<PipelineHost>,
    private readonly log: Log,
    /** Throws (a PolicyError) for a spec the agent's policy does not allow; checked before anything opens. */
    private readonly admit: (spec: PipelineSpec) => void,
  ) {}

  /**
   * Runs this spec: a no-op when that version already runs; a newer version replaces the older. A spec
   * the agent's policy refuses throws before anything is opened (and leaves what runs alone).
   */
  async apply(spec: PipelineSpec): Promise<void> {
    this.admit(spec);
    const current = this.entries.get(spec.id);
    if (current !== undefined && current.spec.version >= spec.version && current.state !== 'paused') return;
    if (current !== undefined) await this.stop(spec.id);
    const entry: Entry = { spec, state: 'starting', failures: 0 };
    this.entries.set(spec.id, entry);
    await this.launch(entry, true);
  }

  async stop(pipelineId: string): Promise<void> {
    const entry = this.entries.get(pipelineId);
    if (entry === undefined) return;
    this.entries.delete(pipelineId);
    clearTimeout(entry.retryTimer);
    await entry.opened?.stop();
    this.log('pipeline stopped', { pipeline: pipelineId });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.stop(id)));
  }

  /** Marks a pipeline paused by its bad-record policy (called by the pipeline's observer). */
  paused(pipelineId: string, error: Error): void {
    const entry = this.entries.get(pipelineId);
    if (entry === undefined) return;
    entry.state = 'paused';
    entry.error = error.message;
  }

  list(): SupervisedPipeline[] {
    return [...this.entries.values()].map(({ spec, state, error, metrics }) => ({
      spec,
      state,
      ...(error !== undefined && { error }),
      ...(metrics !== undefined && { metrics }),
    }));
  }

  /** Opens and starts a pipeline; a failure is retried with backoff, a refusal by the agent's rules is not. */
  private async launch(entry: Entry, first = false): Promise<void> {
    try {
      const opened = await openPipeline(entry.spec, await this.hostFor(entry.spec, this));
      entry.opened = opened;
      entry.metrics = opened.runner.metrics;
      await opened.start();
      if (this.entries.get(entry.spec.id) !== entry) return void (await opened.stop());
      entry.state = 'running';
      entry.failures = 0;
      delete entry.error;
    } catch (error) {
      await entry.opened?.stop().catch(() => {});
      delete entry.opened;
      if (this.entries.get(entry.spec.id) !== entry) return;
      if (error instanceof PolicyError) {
        // Trying again cannot help: the start job fails with the reason (a later refusal is logged).
        this.entries.delete(entry.spec.id);
        this.log('pipeline refused', { pipeline: entry.spec.id, error: error.message });
        if (first) throw error;
        return;
      }
      entry.failures += 1;
      entry.state = 'retrying';
      entry.error = (error as Error).message;
      const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** (entry.failures - 1));
      this.log('pipeline failed to start; retrying', {
        pipeline: entry.spec.id,
        error: entry.error,
        retryInMs: delay,
      });
      entry.retryTimer = setTimeout(() => void this.launch(entry), delay);
    }
  }
}
