import fs from 'node:fs';
import path from 'node:path';

/** A remembered-device token Latchkey issued for one Jellyfin device of one user. */
export interface StoredTrust {
  token: string;
  /** null: a paired device, trusted until revoked in Latchkey. */
  expiresAt: string | null;
}

/**
 * Jellyfin clients cannot carry Latchkey's remembered-device tokens, so the gateway keeps them on their
 * behalf, keyed by Jellyfin user id + DeviceId. Latchkey binds each token to its member and device and
 * rotates it on every use, so a leaked file is worth one login at most and is revocable. One small JSON
 * file (mode 0600), rewritten atomically; writes are serialized.
 */
export class TrustStore {
  private readonly file: string;
  private entries = new Map<string, StoredTrust>();
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(dataDir, 'trusted-devices.json');
    if (fs.existsSync(this.file)) {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, StoredTrust>;
      this.entries = new Map(Object.entries(parsed));
    }
  }

  static key(userId: string, deviceId: string): string {
    return `${userId.toLowerCase().replace(/-/g, '')}\u0000${deviceId}`;
  }

  get(userId: string, deviceId: string, now = new Date()): StoredTrust | undefined {
    const e = this.entries.get(TrustStore.key(userId, deviceId));
    if (!e) return undefined;
    return e.expiresAt !== null && Date.parse(e.expiresAt) <= now.getTime() ? undefined : e;
  }

  set(userId: string, deviceId: string, trust: StoredTrust): Promise<void> {
    this.entries.set(TrustStore.key(userId, deviceId), trust);
    return this.persist();
  }

  delete(userId: string, deviceId: string): Promise<void> {
    return this.entries.delete(TrustStore.key(userId, deviceId)) ? this.persist() : Promise.resolve();
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(this.entries));
    this.writing = this.writing.then(async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, snapshot, { mode: 0o600 });
      await fs.promises.rename(tmp, this.file);
    });
    return this.writing;
  }
}
