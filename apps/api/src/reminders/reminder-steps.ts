export const DAY_MS = 86_400_000;

/**
 * The reminder step due at `now` for a deadline, given the schedule in days before it (`[7, 3, 1, 0]`):
 * the latest step whose time has come, so a member who joins late gets the step that fits, not every
 * step they missed. Step 0 (the deadline has passed) stays due for one day; after that, null.
 */
export function dueStep(deadline: Date, now: Date, days: readonly number[]): number | null {
  const left = deadline.getTime() - now.getTime();
  if (left <= -DAY_MS) return null;
  let due: number | null = null;
  for (const d of days) if (left <= d * DAY_MS && (due === null || d < due)) due = d;
  return due;
}
