import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGatewayConfig } from './config';
import { TrustStore } from '../trust-store';

describe('gateway configuration', () => {
  const base = { JELLYFIN_URL: 'http://jellyfin:8096', LATCHKEY_URL: 'http://latchkey:8080', LATCHKEY_API_KEY: 'lk_srv_abcdefgh' };

  it('reads the environment with safe defaults (fail closed)', () => {
    const c = loadGatewayConfig({ ...base, GATEWAY_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.1 ' });
    expect(c).toMatchObject({ port: 8097, trustedProxies: ['10.0.0.0/8', '192.168.1.1'], failOpenForTrustedDevices: false });
    expect(loadGatewayConfig({ ...base, GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES: 'true' }).failOpenForTrustedDevices).toBe(true);
  });

  it('web client script on, directory sync off, grace reminders once a day by default; sync needs a Jellyfin API key', () => {
    expect(loadGatewayConfig(base)).toMatchObject({ webClientScript: true, directorySyncMinutes: 0, graceReminderHours: 24 });
    expect(loadGatewayConfig({ ...base, GATEWAY_WEB_CLIENT_SCRIPT: 'false', GATEWAY_GRACE_REMINDER_HOURS: '0' })).toMatchObject({ webClientScript: false, graceReminderHours: 0 });
    expect(loadGatewayConfig({ ...base, JELLYFIN_API_KEY: 'k', GATEWAY_DIRECTORY_SYNC_MINUTES: '30' }).directorySyncMinutes).toBe(30);
    expect(() => loadGatewayConfig({ ...base, GATEWAY_DIRECTORY_SYNC_MINUTES: '30' })).toThrow(/GATEWAY_DIRECTORY_SYNC_MINUTES: needs JELLYFIN_API_KEY/);
    expect(() => loadGatewayConfig({ ...base, GATEWAY_GRACE_REMINDER_HOURS: '-1' })).toThrow(/GATEWAY_GRACE_REMINDER_HOURS/);
  });

  it('stops at start with every problem listed', () => {
    expect(() => loadGatewayConfig({ JELLYFIN_URL: 'ftp://x', GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES: 'maybe' })).toThrow(
      /JELLYFIN_URL.*LATCHKEY_URL.*LATCHKEY_API_KEY.*GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES/,
    );
  });
});

describe('the remembered-device store', () => {
  it('survives a restart, forgets expired tokens, keys by user and device', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-gw-store-'));
    try {
      const store = new TrustStore(dir);
      await store.set('ABCD-ef', 'tv-1', { token: 'lkd1.a', expiresAt: null });
      await store.set('abcdef', 'phone', { token: 'lkd1.b', expiresAt: '2026-01-01T00:00:00Z' });
      const again = new TrustStore(dir);
      expect(again.get('abcdef', 'tv-1')).toEqual({ token: 'lkd1.a', expiresAt: null });
      expect(again.get('abcdef', 'phone', new Date('2025-12-31T00:00:00Z'))?.token).toBe('lkd1.b');
      expect(again.get('abcdef', 'phone', new Date('2026-01-02T00:00:00Z'))).toBeUndefined();
      expect(again.get('other', 'tv-1')).toBeUndefined();
      await again.delete('abcdef', 'tv-1');
      expect(new TrustStore(dir).get('abcdef', 'tv-1')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
