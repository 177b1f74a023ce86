import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Latchkey's long-lived keys, generated once into `<dataDir>/keys/` (mode 0600) on the first start.
 * They are never silently regenerated: a missing, unreadable or corrupt key file, or one that does not
 * match what the database was initialised with, stops the start with a message saying what to do.
 */
export type KeyPurpose = 'encryption' | 'signing';

export interface StoredKey {
  purpose: KeyPurpose;
  /** Short id written into every envelope, so keys can be rotated later. */
  kid: string;
  key: Buffer;
}

export interface KeyRing {
  encryption: StoredKey;
  signing: StoredKey;
}

/** Where the database remembers which keys it was initialised with. */
export interface KeyRegistry {
  get(name: string): Promise<string | null>;
  /** Stores only if absent; returns the value now stored. */
  putIfAbsent(name: string, value: string): Promise<string>;
}

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

const FILE_VERSION = 1;
const KEY_BYTES = 32;

export function keyFile(dataDir: string, purpose: KeyPurpose): string {
  return path.join(dataDir, 'keys', `${purpose}.key`);
}

/** A fingerprint that identifies a key without revealing it. */
export function fingerprint(k: StoredKey): string {
  return `${k.kid}:${createHash('sha256').update('latchkey-key-fingerprint').update(k.key).digest('hex').slice(0, 32)}`;
}

export async function loadOrCreateKeys(dataDir: string, registry: KeyRegistry): Promise<KeyRing> {
  const dir = path.join(dataDir, 'keys');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const encryption = await loadOrCreate(dataDir, 'encryption', registry);
  const signing = await loadOrCreate(dataDir, 'signing', registry);
  return { encryption, signing };
}

async function loadOrCreate(dataDir: string, purpose: KeyPurpose, registry: KeyRegistry): Promise<StoredKey> {
  const file = keyFile(dataDir, purpose);
  const settingName = `key.${purpose}`;
  const recorded = await registry.get(settingName);
  let key: StoredKey;
  if (fs.existsSync(file)) {
    key = readKeyFile(file, purpose);
  } else if (recorded) {
    throw new KeyError(
      `The ${purpose} key file ${file} is missing, but the database was initialised with key ${recorded.split(':')[0]}. ` +
        `Latchkey will not create a new key, because everything protected by the old one would be lost. ` +
        `Restore the file from a backup of the data directory.`,
    );
  } else {
    key = createKeyFile(file, purpose);
  }
  const stored = await registry.putIfAbsent(settingName, fingerprint(key));
  if (stored !== fingerprint(key)) {
    throw new KeyError(
      `The ${purpose} key in ${file} (${key.kid}) is not the key this database was initialised with (${stored.split(':')[0]}). ` +
        `Restore the matching key file, or point LATCHKEY_DATA_DIR / DATABASE_URL at the matching data.`,
    );
  }
  return key;
}

function createKeyFile(file: string, purpose: KeyPurpose): StoredKey {
  const key: StoredKey = { purpose, kid: `k${randomBytes(4).toString('hex')}`, key: randomBytes(KEY_BYTES) };
  const body = JSON.stringify({ version: FILE_VERSION, purpose, kid: key.kid, key: key.key.toString('base64') }) + '\n';
  try {
    // 'wx': never overwrite. If another process created it first, read theirs.
    fs.writeFileSync(file, body, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file, purpose);
    throw new KeyError(`Could not create the ${purpose} key file ${file}: ${(e as Error).message}`);
  }
  return key;
}

function readKeyFile(file: string, purpose: KeyPurpose): StoredKey {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeyError(`The ${purpose} key file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Check its owner and permissions.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw corrupt(file, purpose, 'it is not valid JSON');
  }
  const p = parsed as { version?: unknown; purpose?: unknown; kid?: unknown; key?: unknown };
  if (p.version !== FILE_VERSION) throw corrupt(file, purpose, `unknown format version ${JSON.stringify(p.version)}`);
  if (p.purpose !== purpose) throw corrupt(file, purpose, `it holds a ${String(p.purpose)} key`);
  if (typeof p.kid !== 'string' || !/^k[0-9a-f]{8}$/.test(p.kid)) throw corrupt(file, purpose, 'its key id is malformed');
  if (typeof p.key !== 'string') throw corrupt(file, purpose, 'the key is missing');
  const key = Buffer.from(p.key, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== p.key) {
    throw corrupt(file, purpose, `the key is not ${KEY_BYTES} bytes of base64`);
  }
  return { purpose, kid: p.kid, key };
}

function corrupt(file: string, purpose: KeyPurpose, why: string): KeyError {
  return new KeyError(`The ${purpose} key file ${file} is corrupt: ${why}. Restore it from a backup of the data directory.`);
}
