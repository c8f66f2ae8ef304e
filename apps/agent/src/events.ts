import { type AgentEvent, agentEventSchema, PROTOCOL_VERSION } from '@floe/protocol';
import { agentRedactor, type Redactor } from './policy/redact';

const MAX_BUFFERED = 10_000;

/**
 * Sends events to the control plane over HTTPS with the agent's token. While the control plane
 * is away, events wait here (bounded) and go out, in order, when it answers again: a pipeline
 * never waits on the control plane. Every event is redacted (resolved secret values cut out) as it is
 * reported, before it is even buffered.
 */
export class EventReporter {
  private buffer: AgentEvent[] = [];
  private sending = false;
  dropped = 0;

  constructor(
    private readonly controlPlane: URL,
    private readonly apiToken: string,
    private readonly log: (message: string) => void = () => {},
    private readonly redactor: Redactor = agentRedactor,
  ) {}

  report(event: AgentEvent) {
    this.buffer.push(agentEventSchema.parse(fitMessage(this.redactor.redactDeep(event))));
    if (this.buffer.length > MAX_BUFFERED) {
      this.buffer.shift();
      this.dropped++;
    }
  }

  get pending() {
    return this.buffer.length;
  }

  /** Sends what is buffered; true when nothing is left. Never throws. */
  async flush(): Promise<boolean> {
    if (this.sending) return false;
    this.sending = true;
    try {
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, 500);
        const res = await fetch(new URL('/api/agents/events', this.controlPlane), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.apiToken}` },
          body: JSON.stringify({ protocolVersion: PROTOCOL_VERSION, sentAtMs: Date.now(), events: batch }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 401) throw new RevokedError();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        this.buffer.splice(0, batch.length);
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

/** A message made longer by redaction still fits its field. */
function fitMessage(event: AgentEvent): AgentEvent {
  if (!('message' in event)) return event;
  const max = event.type === 'job.progress' ? 500 : 2000;
  return event.message.length <= max ? event : { ...event, message: event.message.slice(0, max) };
}

export class RevokedError extends Error {
  constructor() {
    super('the control plane refused this agent token: it was revoked or rotated');
  }
}
