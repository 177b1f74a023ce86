import { enrolmentDeadline } from './index';

const d = (s: string) => new Date(s);

describe('enrolmentDeadline', () => {
  it('counts the grace period from when the policy was activated', () => {
    expect(enrolmentDeadline(d('2026-03-01T00:00:00Z'), d('2025-01-01T00:00:00Z'), 14)).toEqual(d('2026-03-15T00:00:00Z'));
  });
  it('gives a member added later their own full grace period', () => {
    expect(enrolmentDeadline(d('2026-03-01T00:00:00Z'), d('2026-04-10T12:00:00Z'), 7)).toEqual(d('2026-04-17T12:00:00Z'));
  });
  it('allows no grace at all', () => {
    expect(enrolmentDeadline(d('2026-03-01T00:00:00Z'), d('2026-01-01T00:00:00Z'), 0)).toEqual(d('2026-03-01T00:00:00Z'));
  });
  it('refuses negative or fractional grace periods', () => {
    expect(() => enrolmentDeadline(d('2026-03-01'), d('2026-03-01'), -1)).toThrow(RangeError);
    expect(() => enrolmentDeadline(d('2026-03-01'), d('2026-03-01'), 1.5)).toThrow(RangeError);
  });
});
