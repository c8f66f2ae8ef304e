import {
  AGENT_API,
  AGENT_API_MAX_BODY_BYTES,
  type AgentEvent,
  agentEventSchema,
  PROTOCOL_VERSION,
} from '@floe/protocol';
import { agentRedactor, type Redactor } from './policy/redact';

const MAX_BUFFERED = 10_000;
const BATCH_EVENTS = 500;
/** Room for events in one request: the events endpoint's body limit, less the envelope around them. */
const BATCH_BYTES = AGENT_API_MAX_BODY_BYTES.events - 1024;
/**
 * Commit reports and job events go out this soon after they happen (the heartbeat sends the rest every
 * 10 s): the control plane's freshness and its maintenance scheduler act on them.
 */
export const PROMPT_FLUSH_MS = 1000;
const PROMPT: ReadonlySet<AgentEvent['type']> = new Set([
  'commit.report',
  'job.started',
  'job.finished',
  'job.failed',
  'kafka.described',
  'table.described',
]);

/**
 * Sends events to the control plane over HTTPS with the agent's token. While the control plane
 * is away, events wait here (bounded) and go out, in order, when it answers again: a pipeline
 * never waits on the control plane. Every event is redacted (resolved secret values cut out) as it is
 * reported, before it is even buffered.
 */
export class EventReporter {
  private buffer: AgentEvent[] = [];
  /** The JSON size of each buffered event, so that no request outgrows the endpoint's body limit. */
  private sizes: number[] = [];
  private sending = false;
  private prompt: NodeJS.Timeout | undefined;
  dropped = 0;
  /** Set once the control plane refused the token on a flush nobody awaited (the heartbeat's flush throws it too). */
  revoked = false;

  constructor(
    private readonly controlPlane: URL,
    private readonly apiToken: string,
    private readonly log: (message: string) => void = () => {},
    private readonly redactor: Redactor = agentRedactor,
  ) {}

  report(event: AgentEvent) {
    const parsed = agentEventSchema.parse(fitMessage(this.redactor.redactDeep(event)));
    const size = Buffer.byteLength(JSON.stringify(parsed));
    if (size > BATCH_BYTES) {
      // No request could carry it: kept, it would block every event behind it.
      this.dropped++;
      this.log(`a ${event.type} event of ${size} bytes is larger than one request may be; not sent`);
      return;
    }
    this.buffer.push(parsed);
    this.sizes.push(size);
    if (this.buffer.length > MAX_BUFFERED) {
      this.buffer.shift();
      this.sizes.shift();
      this.dropped++;
    }
    if (PROMPT.has(event.type) && this.prompt === undefined) {
      this.prompt = setTimeout(() => {
        this.prompt = undefined;
        void this.flushQuietly();
      }, PROMPT_FLUSH_MS);
      this.prompt.unref();
    }
  }

  /**
   * A flush for callers that do not wait for it (after a job, on a timer): never rejects. A revoked
   * token is remembered in `revoked`; the heartbeat's own flush meets it too, and stops the agent.
   */
  async flushQuietly(): Promise<boolean> {
    try {
      return await this.flush();
    } catch (error) {
      if (!(error instanceof RevokedError)) throw error;
      this.revoked = true;
      this.log(error.message);
      return false;
    }
  }

  /** How many of the oldest events fit in one request, by count and by bytes (always at least one). */
  private nextBatchLength(): number {
    let bytes = 0;
    let count = 0;
    while (count < Math.min(BATCH_EVENTS, this.sizes.length)) {
      bytes += (this.sizes[count] as number) + 1; // and a comma
      if (bytes > BATCH_BYTES && count > 0) break;
      count += 1;
    }
    return count;
  }

  get pending() {
    return this.buffer.length;
  }

  /**
   * Sends what is buffered; true when nothing is left, false while the control plane is away (the
   * events wait for the next flush). Throws RevokedError when the control plane refuses the token:
   * the agent must stop (see flushQuietly for callers that do not wait).
   */
  async flush(): Promise<boolean> {
    if (this.sending) return false;
    this.sending = true;
    try {
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, this.nextBatchLength());
        const res = await fetch(new URL(AGENT_API.events, this.controlPlane), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.apiToken}` },
          body: JSON.stringify({ protocolVersion: PROTOCOL_VERSION, sentAtMs: Date.now(), events: batch }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 401) throw new RevokedError();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        // Events the control plane would not keep (a pipeline no longer assigned here) are not resent.
        const { refused } = (await res.json().catch(() => ({}))) as { refused?: { reason: string }[] };
        if (refused !== undefined && refused.length > 0)
          this.log(`the control plane refused ${refused.length} event(s): ${refused[0]?.reason}`);
        this.buffer.splice(0, batch.length);
        this.sizes.splice(0, batch.length);
      }
      return true;
    } catch (error) {
      if (error instanceof RevokedError) throw error;
      this.log(`control plane unreachable (${(error as Error).message}); ${this.buffer.length} events wait`);
      return false;
    } finally {
      this.sending = false;
    }
  }
}

/**
 * A message too long for its field (a long error, or one made longer by redaction) is cut to fit, with
 * a marker that says how much is missing: the event is never dropped for it.
 */
export function fitMessage(event: AgentEvent): AgentEvent {
  if (!('message' in event)) return event;
  const max = event.type === 'job.progress' ? 500 : 2000;
  if (event.message.length <= max) return event;
  const marker = (cut: number) => ` … [${cut} more characters cut]`;
  // The marker's length depends on the count it names: reserve room for the longest.
  const keep = max - marker(event.message.length).length;
  return { ...event, message: `${event.message.slice(0, keep)}${marker(event.message.length - keep)}` };
}

export class RevokedError extends Error {
  constructor() {
    super('the control plane refused this agent token: it was revoked or rotated');
  }
}
