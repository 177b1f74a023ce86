import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
export const MAIN = path.join(ROOT, 'dist/apps/api/apps/api/src/main.js');

export interface RunningService {
  base: string;
  dataDir: string;
  setupUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** SIGTERM, then waits for the exit. Killed by a signal, a child has a signalCode and no exitCode: stopping twice must not wait forever. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Waits until a child process (a reverse proxy) listens on a loopback port; fails with its log if it exits first. */
export async function waitForPort(name: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${name} did not listen on ${port}:\n${log()}`);
}

/** A reverse proxy run as a child process, from a temporary directory of its own. */
export interface RunningProxy {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Spawns a reverse proxy that will listen on `port`, waits for it, and stops it with SIGTERM (removing `dir`).
 * `log` turns what it printed into the message shown when it does not start.
 */
export async function runProxy(name: string, command: string, args: string[], opts: { port: number; dir: string; env?: NodeJS.ProcessEnv; log?: (out: string) => string }): Promise<RunningProxy> {
  const child = spawn(command, args, { cwd: opts.dir, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  child.on('error', (e) => (out += `\n${e.message}`));
  await waitForPort(name, opts.port, child, () => (opts.log ? opts.log(out) : out));
  return {
    port: opts.port,
    dir: opts.dir,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(opts.dir, { recursive: true, force: true });
    },
  };
}

/** Runs the built service as a person would (`node dist/…/main.js`), on loopback, with a fresh data directory. */
export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm run build)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-e2e-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, LATCHKEY_DATA_DIR: dataDir, LATCHKEY_PORT: String(port), LATCHKEY_HOST: '127.0.0.1', LATCHKEY_PUBLIC_URL: `http://localhost:${port}`, LATCHKEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const setupUrl = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /(http:\/\/\S+\/admin\/setup#token=[\w-]+)/.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      }
    };
    const timer = setInterval(check, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`service exited with ${code}:\n${out}`));
    });
  });
  return {
    base: `http://localhost:${port}`,
    dataDir,
    setupUrl,
    output: () => out,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
