/** Calendar arithmetic on the proleptic Gregorian calendar, in UTC, as Iceberg counts dates. */

export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;
export const NANOS_PER_MICRO = 1_000n;

/** Division rounding toward negative infinity (BigInt division truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

export interface CivilDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

// Howard Hinnant's civil_from_days: exact for any day count a JS number holds.
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (n: number | bigint, width: number) => {
  const s = (n < 0 ? -n : n).toString().padStart(width, '0');
  return n < 0 ? `-${s}` : s;
};

/** "2017-11-16" (years beyond 9999 or before 0 keep their sign and digits, as java.time prints them). */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const y = year > 9999 ? `+${year}` : pad(year, 4);
  return `${y}-${pad(month, 2)}-${pad(day, 2)}`;
}

/**
 * "HH:MM:SS[.fraction]" with the fraction as short as it can be (java.time ISO_LOCAL_TIME), from
 * nanoseconds within the day.
 */
export function formatIsoTime(nanosOfDay: bigint): string {
  const seconds = nanosOfDay / 1_000_000_000n;
  const nanos = nanosOfDay % 1_000_000_000n;
  const base = `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}`;
  return nanos === 0n ? base : `${base}.${pad(nanos, 9).replace(/0+$/, '')}`;
}
