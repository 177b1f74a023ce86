import { ConfigError, loadConfig, testPostgresAdminUrl, testPostgresRequired } from './config';

describe('loadConfig', () => {
  it('gives working defaults: SQLite in ./data, port 8080', () => {
    const c = loadConfig({}, '/srv/latchkey');
    expect(c.dataDir).toBe('/srv/latchkey/data');
    expect(c.database).toEqual({ kind: 'sqlite', file: '/srv/latchkey/data/latchkey.db', busyTimeoutMs: 5000 });
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.secureCookies).toBe(false);
    expect(c.trustedProxies).toEqual([]);
  });

  it('switches to PostgreSQL when DATABASE_URL is set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db', LATCHKEY_DB_POOL_SIZE: '4' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@127.0.0.1/db', poolSize: 4 });
  });

  it('uses secure cookies behind an https public URL and strips the trailing slash', () => {
    const c = loadConfig({ LATCHKEY_PUBLIC_URL: 'https://mfa.example.com/' });
    expect(c.publicUrl).toBe('https://mfa.example.com');
    expect(c.secureCookies).toBe(true);
  });

  it.each([
    ['LATCHKEY_PORT', 'abc'],
    ['LATCHKEY_PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['LATCHKEY_PUBLIC_URL', 'ftp://x'],
    ['LATCHKEY_LOG_LEVEL', 'loud'],
    ['LATCHKEY_BODY_LIMIT', '-1'],
    ['LATCHKEY_TRUSTED_PROXIES', '10.0.0.0/8, not-an-ip'],
    ['LATCHKEY_WEBHOOK_ALLOW_HOSTS', 'hooks.lan, http://x'],
    ['LATCHKEY_WEBHOOK_ALLOW_HOSTS', '10.0.0.0/33'],
    ['LATCHKEY_WEBHOOK_ALLOW_HOSTS', '999.1.1.1'],
    ['LATCHKEY_NOTIFY_MAX_ATTEMPTS', '0'],
    ['LATCHKEY_AUDIT_RETENTION_DAYS', '0'],
    ['LATCHKEY_REMINDER_DAYS', '7,x'],
    ['LATCHKEY_REMINDER_DAYS', '7,400'],
    ['LATCHKEY_REMINDER_DAYS', ''],
    ['LATCHKEY_SCHEDULER_TICK_SECONDS', '1'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('reads the webhook allow-list as host names and IP ranges', () => {
    const c = loadConfig({ LATCHKEY_WEBHOOK_ALLOW_HOSTS: ' Hooks.LAN. , 192.168.1.0/24,[::1], fd00::/8,127.0.0.1' });
    expect(c.notifications.allow).toEqual({ hosts: ['hooks.lan'], cidrs: ['192.168.1.0/24', '::1', 'fd00::/8', '127.0.0.1'] });
    expect(loadConfig({}).notifications).toEqual({ allow: { hosts: [], cidrs: [] }, timeoutMs: 10_000, maxAttempts: 10 });
  });

  it('keeps audit entries a year and reminds 7, 3 and 1 days before a deadline and on the day it passes', () => {
    const c = loadConfig({});
    expect(c.auditRetentionDays).toBe(365);
    expect(c.reminderDays).toEqual([7, 3, 1, 0]);
    expect(c.schedulerTickSeconds).toBe(60);
    expect(loadConfig({ LATCHKEY_REMINDER_DAYS: ' 1, 14,7 ,7' }).reminderDays).toEqual([14, 7, 1]);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ LATCHKEY_PORT: 'x', LATCHKEY_LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as Error).message).toMatch(/LATCHKEY_PORT/);
      expect((e as Error).message).toMatch(/LATCHKEY_LOG_LEVEL/);
    }
  });

  it('reads the request and database-lock timeouts, within bounds', () => {
    const c = loadConfig({ LATCHKEY_REQUEST_TIMEOUT_SECONDS: '5', LATCHKEY_DB_BUSY_TIMEOUT_MS: '250' }, '/srv/latchkey');
    expect(c.requestTimeoutMs).toBe(5000);
    expect(c.database).toMatchObject({ busyTimeoutMs: 250 });
    expect(() => loadConfig({ LATCHKEY_REQUEST_TIMEOUT_SECONDS: '0' })).toThrow(/LATCHKEY_REQUEST_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ LATCHKEY_DB_BUSY_TIMEOUT_MS: '600000' })).toThrow(/LATCHKEY_DB_BUSY_TIMEOUT_MS/);
  });
});

describe('PostgreSQL for tests', () => {
  it('uses LATCHKEY_TEST_PG_URL, then DATABASE_URL, then the local superuser at LATCHKEY_TEST_PG_PORT', () => {
    expect(testPostgresAdminUrl({ LATCHKEY_TEST_PG_URL: 'postgres://t@db/x', DATABASE_URL: 'postgres://d@db/y' })).toBe('postgres://t@db/x');
    expect(testPostgresAdminUrl({ DATABASE_URL: 'postgres://d@db/y' })).toBe('postgres://d@db/y');
    expect(testPostgresAdminUrl({})).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(testPostgresAdminUrl({ LATCHKEY_TEST_PG_PORT: '54329' })).toBe('postgres://postgres@127.0.0.1:54329/postgres');
    expect(testPostgresAdminUrl({ LATCHKEY_TEST_PG_PORT: 'nope' })).toBe('postgres://postgres@127.0.0.1:5432/postgres');
  });

  it('requires PostgreSQL in CI or when asked, so its suites cannot pass without running', () => {
    expect(testPostgresRequired({})).toBe(false);
    expect(testPostgresRequired({ CI: 'true' })).toBe(true);
    expect(testPostgresRequired({ CI: '1' })).toBe(true);
    expect(testPostgresRequired({ CI: 'false' })).toBe(false);
    expect(testPostgresRequired({ LATCHKEY_TEST_PG_REQUIRED: '1' })).toBe(true);
  });
});
