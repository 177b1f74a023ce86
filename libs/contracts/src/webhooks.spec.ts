import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hmacSha256, sha256, signWebhook, verifyWebhookSignature } from './webhooks';
import { signWebhook as exportedSign, verifyWebhookSignature as exportedVerify } from './index';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('SHA-256 and HMAC-SHA256 without node:crypto', () => {
  it('match node:crypto for every length around the block boundaries and for random inputs', () => {
    const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096];
    for (const n of lengths) {
      const data = randomBytes(n);
      expect({ n, digest: hex(sha256(data)) }).toEqual({ n, digest: createHash('sha256').update(data).digest('hex') });
      for (const keyLength of [0, 16, 32, 64, 65, 200]) {
        const key = randomBytes(keyLength);
        expect({ n, keyLength, mac: hex(hmacSha256(key, data)) }).toEqual({ n, keyLength, mac: createHmac('sha256', key).update(data).digest('hex') });
      }
    }
  });

  it('gives the FIPS 180-4 test vector for "abc"', () => {
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret';
  const body = JSON.stringify({ id: '5f0c…', type: 'lockout', createdAt: '2026-03-01T12:00:00.000Z', data: { ip: '203.0.113.9', name: 'Zoë' } });
  const t = 1_772_366_400;

  it('has the documented form: t=<seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${expected}`);
    expect(signWebhook(secret, new TextEncoder().encode(body), t + 0.9)).toBe(`t=${t},v1=${expected}`);
  });

  it('round-trips, with the body as text or bytes, and is re-exported from the package', () => {
    const header = exportedSign(secret, body, t);
    expect(exportedVerify(secret, header, body, t)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body, 'utf8'), t + 299)).toBe(true);
    expect(verifyWebhookSignature(secret, ` ${header.replace(',', ' , ')} `, body, t)).toBe(true);
  });

  it('refuses a changed body, a changed timestamp, another secret and a changed signature', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body.replace('lockout', 'lockouT'), t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body + ' ', t)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, t)).toBe(false);
    expect(verifyWebhookSignature('whsec_other', header, body, t)).toBe(false);
    const v1 = header.split('v1=')[1]!;
    const flipped = v1.slice(0, -1) + (v1.endsWith('0') ? '1' : '0');
    expect(verifyWebhookSignature(secret, `t=${t},v1=${flipped}`, body, t)).toBe(false);
    expect(verifyWebhookSignature(secret, `t=${t},v1=${v1.toUpperCase()}`, body, t)).toBe(false);
  });

  it('refuses timestamps outside the tolerance, both ways (replayed or post-dated)', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, t + 300)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t - 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, t + 3600, 3600)).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, t + 31, 30)).toBe(false);
  });

  it('accepts any one matching v1 among several (secret rotation) and ignores unknown schemes', () => {
    const good = signWebhook(secret, body, t).split('v1=')[1]!;
    expect(verifyWebhookSignature(secret, `t=${t},v0=abc,v1=${'0'.repeat(64)},v1=${good}`, body, t)).toBe(true);
  });

  it('never throws on malformed headers: it refuses them', () => {
    const good = signWebhook(secret, body, t);
    for (const header of [undefined, null, '', 'garbage', `v1=${good.split('v1=')[1]}`, `t=${t}`, `t=abc,v1=${good.split('v1=')[1]}`, `t=${t},t=${t},v1=${good.split('v1=')[1]}`, `t=-${t},v1=x`, 'x'.repeat(5000)]) {
      expect(verifyWebhookSignature(secret, header as string, body, t)).toBe(false);
    }
    expect(verifyWebhookSignature('', good, body, t)).toBe(false);
    expect(verifyWebhookSignature(secret, good, body, Number.NaN)).toBe(false);
    expect(verifyWebhookSignature(secret, good, undefined as unknown as string, t)).toBe(false);
  });
});
