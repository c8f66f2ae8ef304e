/** What stands where a secret value was. */
export const REDACTED = '[redacted]';

/** Values shorter than this are not registered: they would blank out ordinary words everywhere. */
const MIN_LENGTH = 4;
/** A line of a multi-line secret (a key file, a JSON credential) is redacted on its own from this long. */
const MIN_LINE_LENGTH = 8;

/**
 * Removes every secret value the agent has resolved from text before it leaves the process: job
 * errors and results, events, logs. The secret resolver registers each value it hands out, with the
 * spellings it commonly takes on the way (JSON-escaped, URL-encoded, base64, each line of a
 * multi-line value); callers that build a credential from one (HTTP basic auth) register that too.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private sorted: string[] = [];

  /** Registers a secret value; returns it, so a resolver can write `return redactor.add(value)`. */
  add(value: string): string {
    if (value.trim().length < MIN_LENGTH) return value;
    const forms = new Set<string>([value, value.trim()]);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
    forms.add(Buffer.from(value).toString('base64'));
    for (const line of value.split(/\r?\n/))
      if (line.trim().length >= MIN_LINE_LENGTH) forms.add(line.trim());
    let added = false;
    for (const form of forms) {
      if (form.length < MIN_LENGTH || this.values.has(form)) continue;
      this.values.add(form);
      added = true;
    }
    // Longest first, so that a value is replaced whole before a line or a shorter value inside it.
    if (added) this.sorted = [...this.values].sort((a, b) => b.length - a.length);
    return value;
  }

  /** The credential of an HTTP basic-auth header made from a user name and a secret password. */
  addBasicAuth(username: string, password: string): void {
    this.add(Buffer.from(`${username}:${password}`).toString('base64'));
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.sorted) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /**
   * A copy of a plain value (objects, arrays, strings) with every string redacted, except under
   * `keep`: fields that hold 64-bit ids and offsets, which a short numeric secret must not mangle.
   */
  redactDeep<T>(value: T, keep: ReadonlySet<string> = KEEP_FIELDS): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v, keep)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          keep.has(k) && typeof v === 'string' ? v : this.redactDeep(v, keep),
        ]),
      ) as T;
    }
    return value;
  }

  /** An error fit to leave the process: same name, message redacted, and no stack. */
  redactError(error: unknown): Error {
    const source = error instanceof Error ? error : new Error(String(error));
    const clean = new Error(this.redact(source.message));
    clean.name = source.name;
    clean.stack = `${clean.name}: ${clean.message}`;
    return clean;
  }
}

const KEEP_FIELDS = new Set(['snapshotId', 'committedOffset', 'logEndOffset', 'lagRecords']);

/** The agent process's one redactor: the secret resolver, the event reporter and the log all use it. */
export const agentRedactor = new Redactor();
