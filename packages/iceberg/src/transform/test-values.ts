// Test helpers: ISO-8601 text to the epoch counts Iceberg stores (no JS Date rounding past ms).

/** Nanoseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.fffffffff][Z|±HH:MM]" (no zone: UTC). */
export function epochNanos(iso: string): bigint {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)?$/.exec(iso);
  if (match === null) throw new Error(`bad test timestamp ${iso}`);
  const [, seconds = '', fraction = '', zone = 'Z'] = match;
  return BigInt(Date.parse(`${seconds}${zone}`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

export const epochMicros = (iso: string): bigint => epochNanos(iso) / 1000n;

export const epochDays = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000;
