import { LatchkeyWebhookError, parseWebhook, signWebhook, verifyWebhookSignature } from './index';

/**
 * Vectors computed independently of this code, with OpenSSL:
 *   printf '%s' '<t>.<body>' | openssl dgst -sha256 -hmac '<secret>' -hex
 */
const VECTORS = [
  {
    secret: 'whsec_5b1d2c8e',
    t: 1700000000,
    body: '{"type":"challenge.completed","data":{"challengeId":"c-1"}}',
    v1: '258690fdf94e985b27ea8d5f15adfa7f040a8e23865b90512513d5be0c94a03d',
  },
  { secret: 'whsec_5b1d2c8e', t: 1700000000, body: '', v1: '15858588b8cf1c7fe1597b56f2d944791f40dc1aa069baa3cee975524cf4ba38' },
  {
    secret: 'a secret with spaces & ünïcödé',
    t: 1764601234,
    body: '{"id":"evt_1","type":"challenge.completed","createdAt":"2025-12-01T15:00:34.000Z","data":{"challengeId":"6f1c7a52-8d3e-4b9a-9a41-2f0e5d7c1b23","memberExternalId":"alice","deviceId":"tv-1"}}',
    v1: 'c3ed452ec9e81eb82b248b008ee7b16a48680890c447a1768f64aea26669a68a',
  },
];

describe('webhook signatures (Latchkey-Signature: t=…,v1=…)', () => {
  it.each(VECTORS)('accepts the OpenSSL vector for t=$t', ({ secret, t, body, v1 }) => {
    expect(verifyWebhookSignature({ secret, signature: `t=${t},v1=${v1}`, body, now: t })).toEqual({ valid: true, timestamp: t });
    expect(verifyWebhookSignature({ secret, signature: `t=${t},v1=${v1}`, body: Buffer.from(body, 'utf8'), now: t + 300 })).toEqual({ valid: true, timestamp: t });
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${v1}`);
  });

  const [{ secret, t, body, v1 }] = VECTORS as [(typeof VECTORS)[0]];
  const check = (signature: string | string[] | undefined, overrides: Partial<{ body: string; now: number; secret: string; toleranceSeconds: number }> = {}) =>
    verifyWebhookSignature({ secret: overrides.secret ?? secret, signature, body: overrides.body ?? body, now: overrides.now ?? t, toleranceSeconds: overrides.toleranceSeconds });

  it('refuses a changed body, another secret, or a signature moved to another time', () => {
    expect(check(`t=${t},v1=${v1}`, { body: body.replace('c-1', 'c-2') })).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(check(`t=${t},v1=${v1}`, { body: `${body} ` })).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(check(`t=${t},v1=${v1}`, { secret: 'whsec_other' })).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(check(`t=${t + 1},v1=${v1}`)).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(check(`t=${t},v1=${v1.toUpperCase()}`)).toEqual({ valid: false, reason: 'malformed_signature' });
  });

  it('refuses old and future signatures beyond the tolerance (300 s by default)', () => {
    expect(check(`t=${t},v1=${v1}`, { now: t + 301 })).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
    expect(check(`t=${t},v1=${v1}`, { now: t - 301 })).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
    expect(check(`t=${t},v1=${v1}`, { now: t + 60, toleranceSeconds: 30 })).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
  });

  it('accepts any one matching v1 (secret rotation) and ignores unknown schemes', () => {
    expect(check(`t=${t},v1=${'0'.repeat(64)},v1=${v1},v0=abc`).valid).toBe(true);
    expect(check(` t=${t} , v1=${v1} `).valid).toBe(true);
  });

  it('refuses missing and malformed headers', () => {
    expect(check(undefined)).toEqual({ valid: false, reason: 'missing_signature' });
    expect(check('')).toEqual({ valid: false, reason: 'missing_signature' });
    for (const bad of [`v1=${v1}`, `t=${t}`, `t=abc,v1=${v1}`, `t=${t},t=${t},v1=${v1}`, `t=${t},v1=${v1.slice(1)}`, 'garbage', `t=${t};v1=${v1}`, [`t=${t},v1=${v1}`, `t=${t},v1=${v1}`]]) {
      expect(check(bad as string)).toEqual({ valid: false, reason: 'malformed_signature' });
    }
  });

  it('parseWebhook returns the verified body, or throws', () => {
    expect(parseWebhook({ secret, signature: `t=${t},v1=${v1}`, body, now: t })).toEqual({ type: 'challenge.completed', data: { challengeId: 'c-1' } });
    expect(() => parseWebhook({ secret, signature: `t=${t},v1=${v1}`, body: `${body}x`, now: t })).toThrow(LatchkeyWebhookError);
  });
});
