import { timeAgo, timeUntil } from './time-words';

describe('time in words', () => {
  const now = Date.parse('2026-11-24T12:00:00.000Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  it.each([
    [-10_000, 'just now'],
    [-60_000, '1 minute ago'],
    [-2 * 60_000, '2 minutes ago'],
    [-59 * 60_000, '59 minutes ago'],
    [-3 * 3_600_000, '3 hours ago'],
    [-86_400_000, '1 day ago'],
    [-6 * 86_400_000, '6 days ago'],
    [5_000, 'just now'],
  ])('%d ms from now is %j', (ms, words) => {
    expect(timeAgo(at(ms), now)).toBe(words);
  });

  it('older than a week is a date', () => {
    expect(timeAgo(at(-30 * 86_400_000), now)).toMatch(/^on .*2026/);
  });

  it('says how long until an expiry', () => {
    expect(timeUntil(at(30_000), now)).toBe('in less than a minute');
    expect(timeUntil(at(8.5 * 60_000), now)).toBe('in 8 minutes');
    expect(timeUntil(at(60_000), now)).toBe('in 1 minute');
    expect(timeUntil(at(2 * 3_600_000), now)).toBe('in 2 hours');
  });
});
