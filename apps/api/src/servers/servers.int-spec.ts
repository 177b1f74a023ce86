import { registerServer, setupOwner, startTestApp, TestApp, AdminCredentials } from '../testing/harness';

describe('media servers', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  beforeEach(async () => {
    t = await startTestApp();
    admin = await setupOwner(t);
  });
  afterEach(() => t.close());

  it('registers a server and shows its API key once, storing only a hash', async () => {
    const { id, apiKey } = await registerServer(t, admin);
    expect(apiKey).toMatch(/^lk_srv_[A-Za-z0-9_-]{43}$/);
    const list = await t.request({ method: 'GET', url: '/api/v1/servers', admin });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(apiKey);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id, name: 'Living room Jellyfin', kind: 'jellyfin', baseUrl: 'http://jellyfin.lan:8096', apiKey: expect.objectContaining({ active: true, prefix: apiKey.slice(0, 11) }) }),
    ]);
    const rows = await t.app.get(require('typeorm').DataSource).query('SELECT api_key_hash FROM servers');
    expect(rows[0].api_key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(apiKey);
  });

  it('authenticates the server with its key, and records when it was used', async () => {
    const { id, apiKey } = await registerServer(t, admin);
    const self = await t.request({ method: 'GET', url: '/api/v1/servers/self', bearer: apiKey });
    expect(self.statusCode).toBe(200);
    expect(self.json()).toEqual({ id, name: 'Living room Jellyfin', kind: 'jellyfin' });
    const got = await t.request({ method: 'GET', url: `/api/v1/servers/${id}`, admin });
    expect(got.json().apiKey.lastUsedAt).toBe(t.clock.now().toISOString());
  });

  it('rotated key: the old key stops working at once, the new one works', async () => {
    const { id, apiKey } = await registerServer(t, admin);
    const rotated = await t.request({ method: 'POST', url: `/api/v1/servers/${id}/api-key`, admin });
    expect(rotated.statusCode).toBe(200);
    const newKey = rotated.json().apiKey;
    expect(newKey).not.toBe(apiKey);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers/self', bearer: apiKey })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers/self', bearer: newKey })).statusCode).toBe(200);
  });

  it('revoked key: refused, and the server shows no active key', async () => {
    const { id, apiKey } = await registerServer(t, admin);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/servers/${id}/api-key`, admin })).statusCode).toBe(204);
    const res = await t.request({ method: 'GET', url: '/api/v1/servers/self', bearer: apiKey });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
    expect((await t.request({ method: 'GET', url: `/api/v1/servers/${id}`, admin })).json().apiKey).toEqual({ active: false, prefix: null, createdAt: null, lastUsedAt: null });
  });

  it('a server API key cannot manage servers (admin routes refuse it)', async () => {
    const { apiKey } = await registerServer(t, admin);
    const res = await t.request({ method: 'GET', url: '/api/v1/servers', bearer: apiKey });
    expect(res.statusCode).toBe(401);
  });

  it('forged, truncated or foreign keys are refused alike', async () => {
    await registerServer(t, admin);
    for (const bearer of ['lk_srv_' + 'A'.repeat(43), 'lk_srv_short', 'lk_adm_' + 'A'.repeat(43), 'garbage']) {
      const res = await t.request({ method: 'GET', url: '/api/v1/servers/self', bearer });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it('updates name, kind and base URL; unknown server gives server_not_found', async () => {
    const { id } = await registerServer(t, admin);
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${id}`, admin, body: { name: 'Den Emby', kind: 'emby', baseUrl: 'https://emby.example.com/' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Den Emby', kind: 'emby', baseUrl: 'https://emby.example.com' });
    const missing = await t.request({ method: 'GET', url: '/api/v1/servers/00000000-0000-4000-8000-000000000000', admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('server_not_found');
  });

  it('refuses bad server input with field-level issues', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/servers', admin, body: { name: '', kind: 'kodi', baseUrl: 'javascript:alert(1)', extra: 1 } });
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'kind', 'baseUrl']));
    expect(res.json().error.details.issues.some((i: { message: string }) => /extra/.test(i.message))).toBe(true);
  });
});
