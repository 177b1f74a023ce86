import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { report } from './kit';
import { ensureBuilt, startProcess } from './service';

/**
 * The built service started on a data directory it cannot write (mounted read-only in a private mount
 * namespace, so the test needs no real disk trouble): it refuses to start with a message that names the
 * directory and says what to check, prints no stack trace, and leaves the database exactly as it was.
 */
const readOnly = (dir: string) => (cmd: string[]) => ['unshare', '-m', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && exec "$@"', dir, ...cmd];
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('a read-only data directory', () => {
  let dataDir: string;
  beforeAll(() => {
    ensureBuilt();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-ro-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('stops the start with a clear message, and corrupts nothing', async () => {
    const first = await startProcess(dataDir);
    expect(first.ready).toBe(true);
    await first.stop();
    const db = path.join(dataDir, 'latchkey.db');
    const before = sha(db);

    const ro = await startProcess(dataDir, {}, readOnly(dataDir));
    const code = await ro.exited;
    const out = ro.output();
    report('disk', { readOnlyStartExitCode: code });
    expect({ code, says: out.includes(`The data directory ${dataDir} is not writable`), advice: /LATCHKEY_DATA_DIR/.test(out), stack: /\n\s+at /.test(out) }).toEqual({ code: 1, says: true, advice: true, stack: false });

    expect(sha(db)).toBe(before);
    const check = new Database(db, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
    // And with its disk back, it starts as before.
    const again = await startProcess(dataDir);
    expect(again.ready).toBe(true);
    await again.stop();
  });
});
