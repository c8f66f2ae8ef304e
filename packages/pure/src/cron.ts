// Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC.
// The policy form checks expressions in the browser with this; the scheduler computes due times with it.

const MINUTE_MS = 60_000;
// Any expression that can fire does so within this long (29 February comes back every 4 years, or 8).
const SEARCH_LIMIT_MS = 9 * 366 * 86_400_000;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 0 and 7 are both Sunday.
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  // As in Vixie cron: when both day fields are restricted, a day matching either one fires.
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

export class CronError extends Error {
  override name = 'CronError';
}

function value(text: string, field: FieldSpec): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const n = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= field.min && n <= field.max))
    throw new CronError(`${field.name}: ${text} is not between ${field.min} and ${field.max}`);
  return n;
}

/** One field: `*`, `5`, `1-5`, a step (`10-40/10`, `5/15`, or a star with one), `mon-fri`, and lists of them. */
function parseField(text: string, field: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = part.match(/^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i);
    if (!match) throw new CronError(`${field.name}: cannot read "${part}"`);
    const [, range = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new CronError(`${field.name}: a step of 0 never moves`);
    const [fromText = '', toText] = range.split('-');
    const from = range === '*' ? field.min : value(fromText, field);
    // `5/15` runs from 5 to the end of the range, as `*/15` from its start.
    const to =
      range === '*' || (toText === undefined && stepText !== undefined)
        ? field.max
        : value(toText ?? fromText, field);
    if (from > to) throw new CronError(`${field.name}: ${range} runs backwards`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Reads an expression or throws a CronError that names the field at fault. */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new CronError('five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"');
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, i) =>
    parseField(part, FIELDS[i] as FieldSpec),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (daysOfWeek.delete(7)) daysOfWeek.add(0);
  const cron: Cron = {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    anyDayOfMonth: parts[2]?.startsWith('*') ?? true,
    anyDayOfWeek: parts[4]?.startsWith('*') ?? true,
  };
  nextCronTime(cron, new Date(0));
  return cron;
}

/** Why an expression is not usable, or null when it is. */
export function cronProblem(expression: string): string | null {
  try {
    parseCron(expression);
    return null;
  } catch (error) {
    if (error instanceof CronError) return error.message;
    throw error;
  }
}

function dayMatches(cron: Cron, t: Date): boolean {
  const dom = cron.daysOfMonth.has(t.getUTCDate());
  const dow = cron.daysOfWeek.has(t.getUTCDay());
  if (cron.anyDayOfMonth) return dow;
  if (cron.anyDayOfWeek) return dom;
  return dom || dow;
}

/** The first minute strictly after `after` at which the expression fires (UTC). */
export function nextCronTime(cron: Cron, after: Date): Date {
  let t = new Date(Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const limit = t.getTime() + SEARCH_LIMIT_MS;
  // Skip whole months, days and hours that cannot match, minutes only within a matching hour.
  while (t.getTime() <= limit) {
    const [y, mo, d, h] = [t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours()];
    if (!cron.months.has(mo + 1)) t = new Date(Date.UTC(y, mo + 1, 1));
    else if (!dayMatches(cron, t)) t = new Date(Date.UTC(y, mo, d + 1));
    else if (!cron.hours.has(h)) t = new Date(Date.UTC(y, mo, d, h + 1));
    else if (!cron.minutes.has(t.getUTCMinutes())) t = new Date(t.getTime() + MINUTE_MS);
    else return t;
  }
  throw new CronError('this expression never fires (no such date)');
}
