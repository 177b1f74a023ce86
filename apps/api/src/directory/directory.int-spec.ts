import type { DirectoryMemberInput, ReplaceDirectoryInput } from '@latchkey/contracts';
import { AdminCredentials, registerServer, setupOwner, startTestApp, TestApp } from '../testing/harness';

const member = (n: number, groups: string[] = []): DirectoryMemberInput => ({ externalId: `u${n}`, username: `user${n}`, displayName: `User ${n}`, email: `user${n}@example.com`, groups });
const directory = (members: DirectoryMemberInput[]): ReplaceDirectoryInput => ({
  members,
  groups: [
    { externalId: 'g-family', name: 'Family' },
    { externalId: 'g-friends', name: 'Friends' },
  ],
  libraries: [{ externalId: 'l-movies', name: 'Movies' }],
});

describe('directory sync', () => {
  let t: TestApp;
  let admin: AdminCredentials;
  let key: string;
  let serverId: string;
  const put = (body: unknown) => t.request({ method: 'PUT', url: '/api/v1/directory', bearer: key, body });
  const patch = (body: unknown) => t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: key, body });
  let adminToken: string;
  // An admin API token rather than the session: these tests move the clock by days.
  const members = async (extra = '') => (await t.request({ method: 'GET', url: `/api/v1/members?limit=500${extra}`, bearer: adminToken })).json();

  beforeEach(async () => {
    t = await startTestApp();
    admin = await setupOwner(t);
    ({ apiKey: key, id: serverId } = await registerServer(t, admin));
    adminToken = (await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'tests' } })).json().secret;
  });
  afterEach(() => t.close());

  it('creates members with groups and a firstSeenAt', async () => {
    const res = await put(directory([member(1, ['g-family']), member(2, ['g-family', 'g-friends']), member(3)]));
    expect(res.statusCode).toBe(200);
    expect(res.json().members).toEqual({ created: 3, updated: 0, restored: 0, removed: 0, unchanged: 0 });
    expect(res.json().groups.created).toBe(2);
    expect(res.json().libraries.created).toBe(1);
    const list = await members();
    expect(list.items.map((m: { externalId: string; groups: string[] }) => [m.externalId, m.groups])).toEqual([
      ['u1', ['g-family']],
      ['u2', ['g-family', 'g-friends']],
      ['u3', []],
    ]);
    expect(list.items[0]).toMatchObject({ serverId, username: 'user1', firstSeenAt: t.clock.now().toISOString(), removedAt: null });
  });

  it('is idempotent: the same push again changes nothing', async () => {
    const body = directory([member(1, ['g-family']), member(2)]);
    await put(body);
    const before = await members();
    t.clock.advance(60_000);
    const again = await put(body);
    expect(again.json().members).toEqual({ created: 0, updated: 0, restored: 0, removed: 0, unchanged: 2 });
    expect(again.json().groups).toEqual({ created: 0, updated: 0, restored: 0, removed: 0, unchanged: 2 });
    expect(await members()).toEqual(before);
  });

  it('marks members missing from a push as removed, keeping them and their history', async () => {
    await put(directory([member(1), member(2)]));
    t.clock.advance(60_000);
    const res = await put(directory([member(1)]));
    expect(res.json().members).toMatchObject({ removed: 1, unchanged: 1 });
    expect((await members()).items.map((m: { externalId: string }) => m.externalId)).toEqual(['u1']);
    const all = await members('&includeRemoved=true');
    expect(all.items.find((m: { externalId: string }) => m.externalId === 'u2').removedAt).toBe(t.clock.now().toISOString());
  });

  it('a member who re-appears is restored with the original firstSeenAt (no fresh grace period)', async () => {
    await put(directory([member(1), member(2)]));
    const firstSeen = t.clock.now().toISOString();
    t.clock.advance(86_400_000);
    await put(directory([member(1)]));
    t.clock.advance(86_400_000);
    const res = await put(directory([member(1), member(2, ['g-friends'])]));
    expect(res.json().members).toMatchObject({ restored: 1, unchanged: 1 });
    const u2 = (await members()).items.find((m: { externalId: string }) => m.externalId === 'u2');
    expect(u2).toMatchObject({ firstSeenAt: firstSeen, removedAt: null, groups: ['g-friends'] });
  });

  it('updates changed fields and group memberships', async () => {
    await put(directory([member(1, ['g-family'])]));
    const res = await put(directory([{ ...member(1, ['g-friends']), displayName: 'Renamed', email: null }]));
    expect(res.json().members).toMatchObject({ updated: 1 });
    expect((await members()).items[0]).toMatchObject({ displayName: 'Renamed', email: null, groups: ['g-friends'] });
  });

  it('PATCH upserts single members and removes named ones, leaving the rest alone', async () => {
    await put(directory([member(1), member(2)]));
    const res = await patch({ members: [member(3, ['g-family'])], remove: { members: ['u1'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().members).toMatchObject({ created: 1, removed: 1 });
    expect((await members()).items.map((m: { externalId: string }) => m.externalId)).toEqual(['u2', 'u3']);
  });

  it('refuses a member in a group the directory does not list, and changes nothing', async () => {
    await put(directory([member(1)]));
    const res = await put(directory([member(1), member(2, ['g-nope'])]));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'directory_unknown_reference', details: { member: 'u2', group: 'g-nope' } });
    expect((await members()).items).toHaveLength(1);
  });

  it('refuses duplicate external ids', async () => {
    const res = await put(directory([member(1), member(1)]));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('directory_duplicate');
  });

  it('keeps servers apart: one server cannot see or remove another server’s members', async () => {
    const other = await registerServer(t, admin, 'Other Plex');
    await put(directory([member(1)]));
    await t.request({ method: 'PUT', url: '/api/v1/directory', bearer: other.apiKey, body: directory([member(9)]) });
    expect((await members(`&serverId=${serverId}`)).items.map((m: { externalId: string }) => m.externalId)).toEqual(['u1']);
    expect((await members(`&serverId=${other.id}`)).items.map((m: { externalId: string }) => m.externalId)).toEqual(['u9']);
  });

  it('pages members with a cursor and searches by name or email', async () => {
    await put(directory(Array.from({ length: 25 }, (_, i) => member(i + 10))));
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { items: { externalId: string }[]; nextCursor: string | null } = (
        await t.request({ method: 'GET', url: `/api/v1/members?limit=10${cursor ? `&cursor=${cursor}` : ''}`, admin })
      ).json();
      seen.push(...page.items.map((m) => m.externalId));
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect((await members('&q=USER12%40')).items.map((m: { externalId: string }) => m.externalId)).toEqual(['u12']);
    expect((await members('&q=%25')).items).toEqual([]);
    const bad = await t.request({ method: 'GET', url: '/api/v1/members?cursor=nonsense', admin });
    expect(bad.statusCode).toBe(400);
  });

  it('lists live groups with member counts, and libraries, for the console', async () => {
    await put(directory([member(1, ['g-family']), member(2, ['g-family', 'g-friends'])]));
    const groups = (await t.request({ method: 'GET', url: '/api/v1/groups', bearer: adminToken })).json().items;
    expect(groups.map((g: { name: string; memberCount: number }) => [g.name, g.memberCount])).toEqual([['Family', 2], ['Friends', 1]]);
    const libs = (await t.request({ method: 'GET', url: `/api/v1/libraries?serverId=${serverId}`, bearer: adminToken })).json().items;
    expect(libs).toEqual([expect.objectContaining({ externalId: 'l-movies', name: 'Movies', serverId })]);
  });

  it('needs the server API key: admins and anonymous callers cannot push', async () => {
    expect((await t.request({ method: 'PUT', url: '/api/v1/directory', body: directory([]) })).statusCode).toBe(401);
    expect((await t.request({ method: 'PUT', url: '/api/v1/directory', admin, body: directory([]) })).statusCode).toBe(401);
  });
});
