const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A date in the reader's own format, e.g. "24 Nov 2026" or "Nov 24, 2026". */
export function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** "just now", "2 minutes ago", "3 hours ago", "5 days ago", then the date ("on 24 Nov 2026"). */
export function timeAgo(iso: string, now = Date.now()): string {
  const ms = Math.max(0, now - new Date(iso).getTime());
  if (ms < 45_000) return 'just now';
  if (ms < HOUR) return `${count(Math.max(1, Math.round(ms / MINUTE)), 'minute')} ago`;
  if (ms < DAY) return `${count(Math.round(ms / HOUR), 'hour')} ago`;
  if (ms < 7 * DAY) return `${count(Math.round(ms / DAY), 'day')} ago`;
  return `on ${day(iso)}`;
}

/** "in 8 minutes", "in less than a minute"; for times a few minutes away. */
export function timeUntil(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  if (ms < MINUTE) return 'in less than a minute';
  if (ms < HOUR) return `in ${count(Math.floor(ms / MINUTE), 'minute')}`;
  if (ms < DAY) return `in ${count(Math.floor(ms / HOUR), 'hour')}`;
  return `on ${day(iso)}`;
}
