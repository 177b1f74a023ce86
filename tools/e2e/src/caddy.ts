import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, runProxy, type RunningProxy } from './service';

export const CADDY = ['/usr/bin/caddy', '/usr/local/bin/caddy'].find((p) => fs.existsSync(p)) ?? 'caddy';

export type RunningCaddy = RunningProxy;

/**
 * Debian's Caddy as a child process (`caddy run`, Caddyfile adapter): no admin endpoint, no automatic HTTPS,
 * listening on loopback only, its data and config directories in a temporary directory. `sites` gets the
 * free port and returns the site blocks that follow the global options.
 */
export async function startCaddy(sites: (port: number) => string): Promise<RunningCaddy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-caddy-'));
  const port = await freePort();
  const conf = `{
	admin off
	auto_https off
	default_bind 127.0.0.1
	storage file_system ${path.join(dir, 'storage')}
}

${sites(port)}
`;
  const file = path.join(dir, 'Caddyfile');
  fs.writeFileSync(file, conf);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  return runProxy('caddy', CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], { port, dir, env, log: (out) => `${out}\n${conf}` });
}
