import { DAY_MS, dueStep } from './reminder-steps';

describe('dueStep', () => {
  const deadline = new Date('2026-03-15T12:00:00Z');
  const at = (daysBefore: number) => new Date(deadline.getTime() - daysBefore * DAY_MS);
  const schedule = [7, 3, 1, 0];

  it.each([
    [14, null],
    [7.01, null],
    [7, 7],
    [5, 7],
    [3, 3],
    [2, 3],
    [1, 1],
    [0.01, 1],
    [0, 0],
    [-0.99, 0],
    [-1, null],
    [-30, null],
  ])('%d days before the deadline → step %p', (daysBefore, step) => {
    expect(dueStep(deadline, at(daysBefore), schedule)).toBe(step);
  });

  it('gives a late joiner only the step that fits now', () => {
    expect(dueStep(deadline, at(2), [7, 3, 1, 0])).toBe(3);
  });

  it('follows any schedule, in any order', () => {
    expect(dueStep(deadline, at(10), [1, 14])).toBe(14);
    expect(dueStep(deadline, at(0.5), [1, 14])).toBe(1);
    expect(dueStep(deadline, at(20), [])).toBeNull();
  });
});
