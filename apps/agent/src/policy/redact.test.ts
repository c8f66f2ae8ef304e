import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from './redact';

describe('Redactor', () => {
  it('cuts a secret out in the spellings it takes on the way out', () => {
    const r = new Redactor();
    const secret = 'canary-"9f2"/é\n{"key": "line-two-of-it"}';
    r.add(secret);
    r.addBasicAuth('reg', secret);
    const b64 = Buffer.from(secret).toString('base64');
    const basic = Buffer.from(`reg:${secret}`).toString('base64');
    const text = [
      `raw ${secret}`,
      `json ${JSON.stringify({ v: secret })}`,
      `url ?p=${encodeURIComponent(secret)}`,
      `base64 ${b64}`,
      `basic Authorization: Basic ${basic}`,
      'one line {"key": "line-two-of-it"}',
    ].join('\n');
    const out = r.redact(text);
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), b64, basic])
      expect(out).not.toContain(form);
    expect(out).not.toContain('line-two-of-it');
    expect(out).toContain(`raw ${REDACTED}`);
    expect(out).toContain(`basic Authorization: Basic ${REDACTED}`);
  });

  it('redacts every string of an event but the 64-bit ids, and makes errors without stacks', () => {
    const r = new Redactor();
    r.add('4242');
    const event = {
      type: 'commit.report',
      snapshotId: '1234242',
      table: 'db.t4242',
      partitions: [{ committedOffset: '4242', topic: 'x4242' }],
    };
    expect(r.redactDeep(event)).toEqual({
      type: 'commit.report',
      snapshotId: '1234242',
      table: `db.t${REDACTED}`,
      partitions: [{ committedOffset: '4242', topic: `x${REDACTED}` }],
    });
    const error = new TypeError('bad header "Bearer 4242"');
    const clean = r.redactError(error);
    expect(clean.name).toBe('TypeError');
    expect(clean.message).toBe(`bad header "Bearer ${REDACTED}"`);
    expect(clean.stack).toBe(`TypeError: ${clean.message}`);
  });

  it('leaves values too short to be told from ordinary words alone', () => {
    const r = new Redactor();
    r.add('ab');
    r.add('');
    expect(r.size).toBe(0);
    expect(r.redact('about')).toBe('about');
  });
});
