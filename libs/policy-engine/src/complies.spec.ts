import { complies, FactorKind } from './index';

const any = { accepted: 'any', allowEmail: true } as const;
const noEmail = { accepted: 'any', allowEmail: false } as const;
const strong = { accepted: 'phishing_resistant', allowEmail: true } as const;

describe('complies', () => {
  it('recovery codes alone never make a member compliant', () => {
    for (const req of [any, noEmail, strong]) expect(complies(['recovery_codes'], req)).toBe(false);
  });
  it('nothing at all does not comply', () => {
    expect(complies([], any)).toBe(false);
  });
  it.each<[FactorKind[], boolean, boolean, boolean]>([
    [['totp'], true, true, false],
    [['email'], true, false, false],
    [['passkey'], true, true, true],
    [['totp', 'recovery_codes'], true, true, false],
    [['email', 'passkey'], true, true, true],
  ])('%j → any: %s, any without e-mail: %s, phishing-resistant: %s', (kinds, a, b, c) => {
    expect([complies(kinds, any), complies(kinds, noEmail), complies(kinds, strong)]).toEqual([a, b, c]);
  });
});
