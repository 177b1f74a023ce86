import { ChildProcess, execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { spawnedServiceEnv } from '../config/config';

/**
 * The built service (`node dist/…/main.js`) as a separate process on loopback, for tests that kill it,
 * restart it on the same data directory, or take its disk away. Built on demand when dist/ is missing.
 */
const ROOT = path.resolve(__dirname, '../../../..');
export const MAIN = path.join(ROOT, 'dist/apps/api/apps/api/src/main.js');

export function ensureBuilt(): void {
  if (fs.existsSync(MAIN)) return;
  execSync('npx tsc -p apps/api/tsconfig.app.json && npx tsc-alias -p apps/api/tsconfig.app.json', { cwd: ROOT, stdio: 'inherit' });
}

export interface Proc {
  base: string;
  /** It answered /readyz (false: it exited, or never became ready within 30 s and was killed). */
  ready: boolean;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the service on `dataDir`, on a port the system picks (read back from its log), and waits until
 * it is ready or has exited. `wrap` runs it under another command (e.g. a mount namespace).
 */
export async function startProcess(dataDir: string, env: Record<string, string> = {}, wrap?: (cmd: string[]) => string[]): Promise<Proc> {
  const cmd = [process.execPath, MAIN];
  const [bin, ...args] = wrap ? wrap(cmd) : cmd;
  const child = spawn(bin as string, args, {
    cwd: ROOT,
    env: spawnedServiceEnv({
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_PORT: '0',
      LATCHKEY_HOST: '127.0.0.1',
      LATCHKEY_WEB_DIR: path.join(dataDir, 'no-web'),
      LATCHKEY_LOG_LEVEL: 'info',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = {
    base: '',
    ready: false,
    child,
    output: () => out,
    exited,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!gone && Date.now() < deadline) {
    const port = /listening (?:at|on) http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    if (!port) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    proc.base = `http://127.0.0.1:${port}`;
    const ok = await fetch(`${proc.base}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) {
      proc.ready = true;
      return proc;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!gone) await proc.kill9();
  return proc;
}

export interface Caller {
  cookie?: string;
  csrf?: string;
  bearer?: string;
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string } };
  setCookie: string | null;
}

/** One JSON request with a deadline; network failures (a killed service) come back as status 0. */
export async function call(base: string, method: string, url: string, who: Caller = {}, body?: unknown, timeoutMs = 10_000): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (who.cookie) headers['cookie'] = who.cookie;
  if (who.csrf) headers['x-csrf-token'] = who.csrf;
  if (who.bearer) headers['authorization'] = `Bearer ${who.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const setCookie = res.headers.get('set-cookie');
    return { status: res.status, body: text ? JSON.parse(text) : {}, setCookie: setCookie ? setCookie.split(';')[0] ?? null : null };
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') throw new Error(`${method} ${url} hung for ${timeoutMs} ms`);
    return { status: 0, body: {}, setCookie: null };
  }
}

/** Follows a session rotation: a response that sets a cookie and a CSRF token becomes the caller. */
export function follow(who: Caller, res: HttpAnswer): Caller {
  if (res.status < 200 || res.status >= 300 || !res.setCookie) return who;
  return { cookie: res.setCookie, csrf: typeof res.body['csrfToken'] === 'string' ? (res.body['csrfToken'] as string) : who.csrf };
}

/** The current code of an authenticator app, at real time (a separate process has a real clock). */
export function totpNow(secret: string, offsetSteps = 0): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}
