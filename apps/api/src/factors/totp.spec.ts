import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { HOTP, Secret, TOTP } from 'otpauth';
import { matchingStep, newTotpSecret, qrSvgDataUrl, totpFor } from './totp';

// RFC 6238 appendix B: the seeds are the ASCII strings below, of the hash's length.
const SEEDS = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238) and HOTP (RFC 4226)', () => {
  it.each(VECTORS)('RFC 6238 appendix B at T=%i s', (t, sha1, sha256, sha512) => {
    for (const [algorithm, expected] of [['SHA1', sha1], ['SHA256', sha256], ['SHA512', sha512]] as const) {
      const totp = new TOTP({ algorithm, digits: 8, period: 30, secret: Secret.fromUTF8(SEEDS[algorithm]) });
      expect(totp.generate({ timestamp: t * 1000 })).toBe(expected);
    }
  });

  it('RFC 4226 appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    const hotp = new HOTP({ algorithm: 'SHA1', digits: 6, secret: Secret.fromUTF8('12345678901234567890') });
    expect(expected.map((_, counter) => hotp.generate({ counter }))).toEqual(expected);
  });

  it('makes 160-bit secrets and standard otpauth URIs', () => {
    const secret = newTotpSecret();
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    const uri = totpFor(secret, 'Latchkey', 'alice').toString();
    expect(uri).toBe(`otpauth://totp/Latchkey:alice?issuer=Latchkey&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
  });

  it('accepts codes from one step before and after, not two', () => {
    const secret = newTotpSecret();
    const now = new Date('2026-03-01T12:00:10Z');
    const step = Math.floor(now.getTime() / 30_000);
    const at = (s: number) => totpFor(secret, 'x', 'x').generate({ timestamp: s * 30_000 });
    expect(matchingStep(secret, at(step), now)).toBe(step);
    expect(matchingStep(secret, at(step - 1), now)).toBe(step - 1);
    expect(matchingStep(secret, at(step + 1), now)).toBe(step + 1);
    expect(matchingStep(secret, at(step - 2), now)).toBeNull();
    expect(matchingStep(secret, at(step + 2), now)).toBeNull();
    expect(matchingStep(secret, 'abcdef', now)).toBeNull();
  });

  it("accepts the codes of an independent generator (Debian's oathtool)", () => {
    const oathtool = ['/usr/bin/oathtool', '/bin/oathtool'].find((p) => fs.existsSync(p));
    if (!oathtool) throw new Error('oathtool is missing: `npm test` installs it (apt-get install oathtool)');
    const secret = newTotpSecret();
    const now = new Date();
    const code = execFileSync(oathtool, ['--totp', '-b', '-N', now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'), secret]).toString().trim();
    expect(matchingStep(secret, code, now)).toBe(Math.floor(now.getTime() / 30_000));
  });

  it('renders the URI as an SVG QR code data URL', async () => {
    const url = await qrSvgDataUrl('otpauth://totp/x?secret=ABC');
    expect(url).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(url.split(',')[1]!, 'base64').toString()).toMatch(/<svg/);
  });
});
