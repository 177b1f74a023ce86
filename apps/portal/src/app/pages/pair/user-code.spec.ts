import { foreignCharacters, normalizeUserCode, userCodeProblem } from './user-code';

describe('normalizeUserCode', () => {
  it.each([
    ['wdjb mjht', 'WDJB-MJHT'],
    ['WDJB-MJHT', 'WDJB-MJHT'],
    ['wdjbmjht', 'WDJB-MJHT'],
    ['  wd jb-mj ht  ', 'WDJB-MJHT'],
    ['WDJB–MJHT', 'WDJB-MJHT'], // en dash, as phones like to insert
    ['wdjb_mjht', 'WDJB-MJHT'],
    ['wdjb.mjht', 'WDJB-MJHT'],
  ])('reads %j as %j', (input, expected) => {
    expect(normalizeUserCode(input)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['wdjb mjh', 'too short'],
    ['wdjb mjhtk', 'too long'],
    ['wdjb mjh0', 'a digit'],
    ['wdjb mjha', 'a vowel'],
    ['wdjb/mjht', 'a slash'],
    ['wdjb mjhé', 'an accented letter'],
  ])('rejects %j (%s)', (input) => {
    expect(normalizeUserCode(input)).toBeNull();
  });
});

describe('userCodeProblem', () => {
  it('says what is wrong', () => {
    expect(userCodeProblem('  ')).toBe('empty');
    expect(userCodeProblem('abcd efgh')).toBe('bad_characters');
    expect(userCodeProblem('bcd')).toBe('wrong_length');
    expect(userCodeProblem('bcdf-ghjk')).toBeNull();
  });
});

describe('foreignCharacters', () => {
  it('lists each character that never appears in codes once', () => {
    expect(foreignCharacters('wdjb-mjh0 0o')).toEqual(['0', 'O']);
    expect(foreignCharacters('wdjb mjht')).toEqual([]);
  });
});
