/** How long ago, in words short enough for a table cell ("just now", "4 min ago", "3 h ago", "2 d ago"). */
export function ago(atMs: number, nowMs: number) {
  const minutes = Math.floor((nowMs - atMs) / 60_000);
  if (minutes < 1) return 'just now';
  return `${lasting(minutes * 60)} ago`;
}

/** A duration in its two largest units, rounded down ("45 s", "4 min", "3 h 5 min", "2 d 7 h"). */
export function lasting(seconds: number) {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return `${Math.floor(seconds)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}

/** The exact time, for a cell's tooltip. */
export const utc = (atMs: number) => `${new Date(atMs).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
