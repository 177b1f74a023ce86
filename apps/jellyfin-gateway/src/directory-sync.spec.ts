import crypto from 'node:crypto';
import type { DirectorySyncResult, ReplaceDirectoryInput } from '@latchkey/client';
import { DirectorySync, type Timers } from './directory-sync';
import { JellyfinApi } from './jellyfin-api';
import { createUpstream } from './proxy';
import { JellyfinStandIn } from './testing/jellyfin-stand-in';

/** Timers fired by the test: no waiting. */
class ManualTimers implements Timers {
  pending: Array<{ fn: () => void; ms: number; handle: number }> = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.next++;
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
  fire(): number {
    const p = this.pending.shift();
    if (!p) throw new Error('nothing scheduled');
    p.fn();
    return p.ms;
  }
}

const counts = { created: 0, updated: 0, restored: 0, removed: 0, unchanged: 0 };
/** Waits for the run in progress, then for the next one to be scheduled. */
const settle = async (s: DirectorySync) => {
  await s.idle();
  await new Promise((r) => setImmediate(r));
};
const ok = (): DirectorySyncResult => ({ members: counts, groups: counts, libraries: counts, syncedAt: new Date(0).toISOString() });

describe('scheduled directory sync from Jellyfin', () => {
  const ALICE = { id: crypto.randomBytes(16).toString('hex'), name: 'alice', password: 'x' };
  const BOB = { id: crypto.randomBytes(16).toString('hex'), name: 'Bob', password: 'y' };
  let jellyfin: JellyfinStandIn;
  let api: JellyfinApi;
  let timers: ManualTimers;
  let logged: Array<{ event: string; fields?: Record<string, unknown> }>;
  let pushed: ReplaceDirectoryInput[];

  beforeEach(async () => {
    jellyfin = new JellyfinStandIn([ALICE, BOB], Buffer.alloc(0));
    jellyfin.libraries = [
      { Name: 'Movies', ItemId: 'f137a2dd21bbc1b99aa5c0f6bf02a805', CollectionType: 'movies' },
      { Name: 'Home videos', ItemId: '7e64e319-657a-9516-ec78-490da03edccb', CollectionType: 'homevideos' },
    ];
    const upstream = createUpstream(new URL(await jellyfin.listen()));
    api = new JellyfinApi(upstream, jellyfin.apiKey);
    timers = new ManualTimers();
    logged = [];
    pushed = [];
  });

  afterEach(() => jellyfin.close());

  const sync = (replaceDirectory: (d: ReplaceDirectoryInput) => Promise<DirectorySyncResult> = async (d) => (pushed.push(d), ok())) =>
    new DirectorySync({ jellyfin: api, latchkey: { replaceDirectory }, intervalMs: 60 * 60_000, timers, log: (event, fields) => logged.push({ event, fields }) });

  it('pushes Jellyfin’s users and libraries at start, then every interval after the previous run ended', async () => {
    const s = sync();
    s.start();
    expect(timers.pending.map((p) => p.ms)).toEqual([0]);
    timers.fire();
    await settle(s);
    expect(pushed).toEqual([
      {
        members: [
          { externalId: ALICE.id, username: 'alice' },
          { externalId: BOB.id, username: 'Bob' },
        ],
        libraries: [
          { externalId: 'f137a2dd21bbc1b99aa5c0f6bf02a805', name: 'Movies' },
          { externalId: '7e64e319657a9516ec78490da03edccb', name: 'Home videos' },
        ],
        groups: [],
      },
    ]);
    // Jellyfin was asked with its API key.
    expect(jellyfin.seen.filter((r) => r.url === '/Users' || r.url === '/Library/VirtualFolders').map((r) => r.headers.authorization)).toEqual([
      `MediaBrowser Token="${jellyfin.apiKey}"`,
      `MediaBrowser Token="${jellyfin.apiKey}"`,
    ]);
    expect(timers.pending.map((p) => p.ms)).toEqual([3_600_000]);
    await s.stop();
    expect(timers.pending).toEqual([]);
  });

  it('a failed run is logged and retried at the next interval', async () => {
    jellyfin.failUsers = 1;
    const s = sync();
    s.start();
    timers.fire();
    await settle(s);
    expect(pushed).toEqual([]);
    expect(logged).toEqual([{ event: 'directory.sync_failed', fields: { message: 'Jellyfin answered 503 to GET /Users', retryInMinutes: 60 } }]);
    expect(timers.fire()).toBe(3_600_000);
    await settle(s);
    expect(pushed).toHaveLength(1);
    expect(logged[1]?.event).toBe('directory.synced');
    await s.stop();
  });

  it('runs never overlap: a run asked for while one is in progress is that run, and the next is scheduled after it ends', async () => {
    let release!: () => void;
    let entered!: () => void;
    const inProgress = new Promise<void>((r) => (entered = r));
    let calls = 0;
    const s = sync(async (d) => {
      calls++;
      pushed.push(d);
      entered();
      await new Promise<void>((r) => (release = r));
      return ok();
    });
    s.start();
    timers.fire();
    await inProgress;
    const manual = s.runOnce();
    expect(calls).toBe(1);
    expect(timers.pending).toEqual([]); // nothing scheduled while the run is in progress
    release();
    await expect(manual).resolves.toEqual(ok());
    await settle(s);
    expect(calls).toBe(1);
    expect(timers.pending.map((p) => p.ms)).toEqual([3_600_000]);
    await s.stop();
  });

  it('a Latchkey error is logged, not thrown', async () => {
    const s = sync(() => Promise.reject(new Error('Latchkey answered 503')));
    await expect(s.runOnce()).resolves.toBeNull();
    expect(logged[0]).toMatchObject({ event: 'directory.sync_failed', fields: { message: 'Latchkey answered 503' } });
  });
});
