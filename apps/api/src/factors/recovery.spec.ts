import { newRecoveryCode, normaliseRecoveryCode } from './recovery';

describe('recovery codes', () => {
  it('have at least 64 bits: 15 base32 characters, grouped for reading', () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}$/);
    expect(15 * Math.log2(32)).toBeGreaterThanOrEqual(64);
    expect(new Set(Array.from({ length: 1000 }, newRecoveryCode)).size).toBe(1000);
  });

  it('forgive case, spaces, dashes and look-alike digits', () => {
    expect(normaliseRecoveryCode(' abcde fghij-klmno ')).toBe('ABCDEFGHIJKLMNO');
    expect(normaliseRecoveryCode('0BCDE-1GHIJ-KLMN8')).toBe('OBCDEIGHIJKLMNB');
    expect(normaliseRecoveryCode('ABCDE-FGHIJ')).toBeNull();
    expect(normaliseRecoveryCode('ABCDE-FGHIJ-KLMN!')).toBeNull();
  });
});
