import { LatchkeyClient, LatchkeyError } from '@latchkey/client';
import { registerServer, setUpOwner } from './owner';
import { RunningService, startService } from './service';

describe('a media server integrating through the SDK, against the running service', () => {
  let svc: RunningService;
  let apiKey: string;

  beforeAll(async () => {
    svc = await startService();
    apiKey = await registerServer(svc, await setUpOwner(svc));
  });
  afterAll(() => svc?.stop());

  it('prints a first-run setup link on start', () => {
    expect(svc.setupUrl).toMatch(/\/admin\/setup#token=/);
  });

  it('checks its key, pushes its directory, and upserts a member', async () => {
    const client = new LatchkeyClient({ baseUrl: svc.base, apiKey });
    await expect(client.self()).resolves.toMatchObject({ name: 'Family Jellyfin', kind: 'jellyfin' });
    const first = await client.replaceDirectory({
      groups: [{ externalId: 'kids', name: 'Kids' }],
      libraries: [{ externalId: 'home-videos', name: 'Home videos' }],
      members: [
        { externalId: 'a1', username: 'alice', email: 'alice@example.com', groups: ['kids'] },
        { externalId: 'b2', username: 'bob' },
      ],
    });
    expect(first.members).toEqual({ created: 2, updated: 0, restored: 0, removed: 0, unchanged: 0 });
    const patched = await client.patchDirectory({ members: [{ externalId: 'c3', username: 'carol' }], remove: { members: ['b2'] } });
    expect(patched.members).toMatchObject({ created: 1, removed: 1 });
  });

  it('gets typed errors for a bad key and for bad input', async () => {
    await expect(new LatchkeyClient({ baseUrl: svc.base, apiKey: 'lk_srv_wrong' }).self()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    const client = new LatchkeyClient({ baseUrl: svc.base, apiKey });
    const err = await client.replaceDirectory({ members: [{ externalId: 'x', username: 'x', groups: ['nope'] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatchkeyError);
    expect(err).toMatchObject({ status: 400, code: 'directory_unknown_reference' });
  });

  it('answers health, readiness, metrics and docs over real HTTP', async () => {
    for (const p of ['/healthz', '/readyz', '/metrics', '/api/docs', '/api/docs/openapi.json']) {
      expect({ p, status: (await fetch(`${svc.base}${p}`)).status }).toEqual({ p, status: 200 });
    }
  });
});
