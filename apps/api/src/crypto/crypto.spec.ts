import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CryptoService, DecryptionError } from './crypto.service';
import { KeyError, KeyRegistry, keyFile, loadOrCreateKeys } from './keys';
import { randomToken, safeEqual, sha256Hex } from './primitives';

function memoryRegistry(): KeyRegistry & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (n) => values.get(n) ?? null,
    putIfAbsent: async (n, v) => {
      if (!values.has(n)) values.set(n, v);
      return values.get(n)!;
    },
  };
}

describe('keys', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-keys-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates both keys on first start, as 0600 files, and loads the same keys afterwards', async () => {
    const reg = memoryRegistry();
    const first = await loadOrCreateKeys(dir, reg);
    for (const purpose of ['encryption', 'signing'] as const) {
      expect(fs.statSync(keyFile(dir, purpose)).mode & 0o777).toBe(0o600);
    }
    expect(fs.statSync(path.join(dir, 'keys')).mode & 0o777).toBe(0o700);
    const second = await loadOrCreateKeys(dir, reg);
    expect(second.encryption.key.equals(first.encryption.key)).toBe(true);
    expect(second.signing.kid).toBe(first.signing.kid);
  });

  it('key file deleted after first start: refuses to start instead of silently regenerating', async () => {
    const reg = memoryRegistry();
    await loadOrCreateKeys(dir, reg);
    fs.unlinkSync(keyFile(dir, 'encryption'));
    await expect(loadOrCreateKeys(dir, reg)).rejects.toThrow(/encryption key file .* is missing.*Restore/s);
    expect(fs.existsSync(keyFile(dir, 'encryption'))).toBe(false);
  });

  it('corrupt key file: refuses to start with a clear message', async () => {
    const reg = memoryRegistry();
    await loadOrCreateKeys(dir, reg);
    fs.writeFileSync(keyFile(dir, 'signing'), '{"version":1,"purpose":"signing","kid":"k00000000","key":"c2hvcnQ="}');
    await expect(loadOrCreateKeys(dir, reg)).rejects.toThrow(/signing key file .* is corrupt/);
    fs.writeFileSync(keyFile(dir, 'signing'), 'garbage');
    await expect(loadOrCreateKeys(dir, reg)).rejects.toThrow(KeyError);
  });

  it('key swapped for another valid key: refuses to start (it does not match the database)', async () => {
    const reg = memoryRegistry();
    await loadOrCreateKeys(dir, reg);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-keys-other-'));
    await loadOrCreateKeys(other, memoryRegistry());
    fs.copyFileSync(keyFile(other, 'encryption'), keyFile(dir, 'encryption'));
    await expect(loadOrCreateKeys(dir, reg)).rejects.toThrow(/is not the key this database was initialised with/);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('unreadable key file: refuses to start', async () => {
    const reg = memoryRegistry();
    await loadOrCreateKeys(dir, reg);
    fs.rmSync(keyFile(dir, 'encryption'));
    fs.mkdirSync(keyFile(dir, 'encryption'));
    await expect(loadOrCreateKeys(dir, reg)).rejects.toThrow(/cannot be read/);
  });
});

describe('CryptoService', () => {
  let crypto: CryptoService;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-crypto-'));
    crypto = new CryptoService(await loadOrCreateKeys(dir, memoryRegistry()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips through a versioned envelope that names its key', () => {
    const env = crypto.encrypt('JBSWY3DPEHPK3PXP', 'totp:member-1');
    expect(env).toMatch(/^lk1\.k[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);
    expect(env).not.toContain('JBSWY3DPEHPK3PXP');
    expect(crypto.decrypt(env, 'totp:member-1').toString()).toBe('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh IV each time', () => {
    expect(crypto.encrypt('x', 'c')).not.toBe(crypto.encrypt('x', 'c'));
  });

  it('ciphertext moved to another record: refuses to decrypt it', () => {
    const env = crypto.encrypt('secret', 'totp:member-1');
    expect(() => crypto.decrypt(env, 'totp:member-2')).toThrow(DecryptionError);
  });

  it('tampered ciphertext: refuses to decrypt it', () => {
    const env = crypto.encrypt('secret', 'c');
    const parts = env.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => crypto.decrypt(parts.join('.'), 'c')).toThrow(DecryptionError);
    expect(() => crypto.decrypt('lk1.kdeadbeef.aaaa.bbbb', 'c')).toThrow(/unknown key id/);
    expect(() => crypto.decrypt('v0.garbage', 'c')).toThrow(DecryptionError);
  });

  it('signs and verifies per purpose', () => {
    const sig = crypto.sign('csrf', 'session-1');
    expect(crypto.verify('csrf', 'session-1', sig)).toBe(true);
    expect(crypto.verify('csrf', 'session-2', sig)).toBe(false);
    expect(crypto.verify('other', 'session-1', sig)).toBe(false);
  });
});

describe('primitives', () => {
  it('makes tokens with the asked entropy', () => {
    expect(Buffer.from(randomToken(32), 'base64url')).toHaveLength(32);
    expect(randomToken()).not.toBe(randomToken());
  });
  it('compares safely', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
