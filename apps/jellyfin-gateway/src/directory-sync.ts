import type { DirectorySyncResult, ReplaceDirectoryInput } from '@latchkey/client';
import type { JellyfinLibrary, JellyfinUser } from './jellyfin-api';

/** Timers the sync is scheduled with; tests pass their own and fire them by hand. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface DirectorySyncDeps {
  jellyfin: { users(): Promise<JellyfinUser[]>; libraries(): Promise<JellyfinLibrary[]> };
  latchkey: { replaceDirectory(directory: ReplaceDirectoryInput): Promise<DirectorySyncResult> };
  intervalMs: number;
  timers?: Timers;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** Jellyfin user and library ids are written with and without dashes; Latchkey gets the 32-hex form `User.Id` has. */
function jellyfinId(id: string): string {
  return id.toLowerCase().replace(/-/g, '');
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

/** Jellyfin's users and libraries as Latchkey's directory. Jellyfin has no user groups, so none are sent. */
export function directoryFrom(users: JellyfinUser[], libraries: JellyfinLibrary[]): ReplaceDirectoryInput {
  const seen = new Set<string>();
  const members = users.flatMap((u) => {
    if (!u.Id || !u.Name?.trim() || seen.has(jellyfinId(u.Id))) return [];
    seen.add(jellyfinId(u.Id));
    return [{ externalId: jellyfinId(u.Id), username: clip(u.Name.trim(), 200) }];
  });
  const libs = new Set<string>();
  const libraryEntries = libraries.flatMap((l) => {
    if (!l.ItemId || libs.has(jellyfinId(l.ItemId))) return [];
    libs.add(jellyfinId(l.ItemId));
    return [{ externalId: jellyfinId(l.ItemId), name: clip(l.Name?.trim() || l.ItemId, 200) }];
  });
  return { members, libraries: libraryEntries, groups: [] };
}

/**
 * Copies Jellyfin's users and libraries into Latchkey's directory (`PUT /api/v1/directory`: users deleted
 * in Jellyfin are marked removed) at start and then every `intervalMs` after the previous run ended — runs
 * never overlap. A failed run is logged and the next one comes at the usual time.
 */
export class DirectorySync {
  private readonly timers: Timers;
  private timer: unknown;
  private running: Promise<DirectorySyncResult | null> | null = null;
  private stopped = true;

  constructor(private readonly deps: DirectorySyncDeps) {
    this.timers = deps.timers ?? realTimers;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** One run now; while one is in progress, that one's outcome. Resolves null when it failed (logged). */
  runOnce(): Promise<DirectorySyncResult | null> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().then(() => this.schedule(this.deps.intervalMs));
    }, ms);
  }

  private async run(): Promise<DirectorySyncResult | null> {
    try {
      const [users, libraries] = await Promise.all([this.deps.jellyfin.users(), this.deps.jellyfin.libraries()]);
      const directory = directoryFrom(users, libraries);
      const result = await this.deps.latchkey.replaceDirectory(directory);
      this.deps.log('directory.synced', { members: result.members, libraries: result.libraries });
      return result;
    } catch (e) {
      this.deps.log('directory.sync_failed', { message: (e as Error).message, retryInMinutes: Math.round(this.deps.intervalMs / 60_000) });
      return null;
    }
  }
}
