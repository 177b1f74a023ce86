/**
 * Remembers forward-auth answers for a few seconds, so a page that loads fifty assets asks the database
 * once. An entry is used only while (1) its time is not up — never later than the session's expiry, a
 * grace deadline, a re-verification interval or an exemption's end — and (2) this process has written
 * nothing to the database since it was computed: revoking a session, removing a factor, changing a
 * policy or syncing the directory forgets every answer at once. It can therefore only repeat an answer
 * the database would still give, except for writes by *other* instances, which it may miss for at most
 * the configured seconds.
 */
export class AnswerCache<T> {
  private readonly entries = new Map<string, { epoch: number; until: number; value: T }>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string, epoch: number, now: number): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.epoch !== epoch || now >= e.until) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: T, epoch: number, until: number): void {
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (a Map iterates in insertion order).
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { epoch, until, value });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
