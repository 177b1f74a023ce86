import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CryptoService } from './crypto.service';
import { keyFile } from './keys';
import { registerServer, setupOwner, startTestApp } from '../testing/harness';

describe('restarting on the same data directory', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-restart-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps keys, data and API keys working', async () => {
    const first = await startTestApp({}, { dataDir: dir });
    const admin = await setupOwner(first);
    const { apiKey } = await registerServer(first, admin);
    const sealed = first.app.get(CryptoService).encrypt('kept', 'restart');
    await first.close();

    const second = await startTestApp({}, { dataDir: dir });
    try {
      expect((await second.request({ method: 'GET', url: '/api/v1/servers/self', bearer: apiKey })).statusCode).toBe(200);
      expect(second.app.get(CryptoService).decrypt(sealed, 'restart').toString()).toBe('kept');
      expect((await second.request({ method: 'GET', url: '/api/v1/admin/setup' })).json()).toEqual({ ownerExists: true });
    } finally {
      await second.close();
    }
  });

  it('a deleted key file stops the next start with a clear message, and no new key is made', async () => {
    const first = await startTestApp({}, { dataDir: dir });
    await first.close();
    fs.unlinkSync(keyFile(dir, 'signing'));
    await expect(startTestApp({}, { dataDir: dir })).rejects.toThrow(/signing key file .* is missing.*Restore the file from a backup/s);
    expect(fs.existsSync(keyFile(dir, 'signing'))).toBe(false);
  });

  it('a fresh data directory gets its database and keys with private permissions', async () => {
    const t = await startTestApp({}, { dataDir: dir });
    await t.close();
    expect(fs.existsSync(path.join(dir, 'latchkey.db'))).toBe(true);
    expect(fs.statSync(keyFile(dir, 'encryption')).mode & 0o777).toBe(0o600);
  });
});
