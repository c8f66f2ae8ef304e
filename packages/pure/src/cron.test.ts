import { describe, expect, it } from 'vitest';
import { cronProblem, nextCronTime, parseCron } from './cron';

const next = (expression: string, after: string) =>
  nextCronTime(parseCron(expression), new Date(after)).toISOString();

describe('cron expressions (five fields, UTC)', () => {
  it('fires at the next matching minute, strictly after the given time', () => {
    expect(next('0 3 * * *', '2026-11-25T02:59:30Z')).toBe('2026-11-25T03:00:00.000Z');
    expect(next('0 3 * * *', '2026-11-25T03:00:00Z')).toBe('2026-11-26T03:00:00.000Z');
    expect(next('* * * * *', '2026-11-25T10:15:42Z')).toBe('2026-11-25T10:16:00.000Z');
  });

  it('reads steps, ranges, lists and names', () => {
    expect(next('*/15 * * * *', '2026-11-25T10:16:00Z')).toBe('2026-11-25T10:30:00.000Z');
    expect(next('10-40/10 * * * *', '2026-11-25T10:40:00Z')).toBe('2026-11-25T11:10:00.000Z');
    expect(next('5/20 * * * *', '2026-11-25T10:46:00Z')).toBe('2026-11-25T11:05:00.000Z');
    expect(next('0 6,18 * * *', '2026-11-25T07:00:00Z')).toBe('2026-11-25T18:00:00.000Z');
    // 2026-11-28 is a Saturday: the next weekday is Monday the 30th.
    expect(next('30 2 * * mon-fri', '2026-11-28T00:00:00Z')).toBe('2026-11-30T02:30:00.000Z');
    expect(next('0 0 1 jan *', '2026-11-25T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('takes 7 as Sunday', () => {
    // 2026-11-29 is a Sunday.
    expect(next('0 4 * * 7', '2026-11-25T00:00:00Z')).toBe('2026-11-29T04:00:00.000Z');
    expect(next('0 4 * * 0', '2026-11-25T00:00:00Z')).toBe('2026-11-29T04:00:00.000Z');
  });

  it('fires on either day field when both are restricted, as Vixie cron does', () => {
    // The 1st of December 2026 is a Tuesday; the Sunday before it comes first.
    expect(next('0 0 1 * sun', '2026-11-25T00:00:00Z')).toBe('2026-11-29T00:00:00.000Z');
    expect(next('0 0 1 * *', '2026-11-25T00:00:00Z')).toBe('2026-12-01T00:00:00.000Z');
  });

  it('finds 29 February across years', () => {
    expect(next('0 0 29 2 *', '2026-11-25T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('names the field at fault', () => {
    expect(cronProblem('0 3 * * *')).toBeNull();
    expect(cronProblem('0 3 * *')).toMatch(/^five fields/);
    expect(cronProblem('60 * * * *')).toBe('minute: 60 is not between 0 and 59');
    expect(cronProblem('0 24 * * *')).toBe('hour: 24 is not between 0 and 23');
    expect(cronProblem('0 0 0 * *')).toBe('day of month: 0 is not between 1 and 31');
    expect(cronProblem('0 0 * 13 *')).toBe('month: 13 is not between 1 and 12');
    expect(cronProblem('0 0 * * funday')).toBe('day of week: funday is not between 0 and 7');
    expect(cronProblem('*/0 * * * *')).toBe('minute: a step of 0 never moves');
    expect(cronProblem('0 5-2 * * *')).toBe('hour: 5-2 runs backwards');
    expect(cronProblem('0 0 ? * *')).toBe('day of month: cannot read "?"');
    expect(cronProblem('0 0 31 4 *')).toBe('this expression never fires (no such date)');
  });
});
