import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, runProxy, type RunningProxy } from './service';

const ROOT = path.resolve(__dirname, '../../..');
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p)) ?? 'nginx';

/** A fenced code block from a guide in docs/, the one after `<!-- snippet:NAME -->`: tests run exactly what the guides show. */
export function docSnippet(file: string, name: string): string {
  const text = fs.readFileSync(path.join(ROOT, 'docs', file), 'utf8');
  const m = new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  if (!m?.[1]) throw new Error(`docs/${file} has no snippet "${name}"`);
  return m[1];
}

export type RunningNginx = RunningProxy;

/**
 * Debian's nginx as a child process: a temporary prefix directory, `daemon off`, loopback only. `server`
 * is the inside of the `server { }` block; `http` adds directives around it.
 */
export async function startNginx(server: string, opts: { http?: string } = {}): Promise<RunningNginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-nginx-'));
  fs.mkdirSync(path.join(dir, 'tmp'));
  const port = await freePort();
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  ${opts.http ?? ''}
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
${server}
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  execFileSync(NGINX, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'pipe' });
  const errorLog = path.join(dir, 'error.log');
  return runProxy('nginx', NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', errorLog], {
    port,
    dir,
    log: (out) => `${out}${fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : ''}`,
  });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request with full control over headers (Host included) and the local address it comes from. */
export function rawRequest(port: number, opts: { path?: string; method?: string; headers?: Record<string, string>; localAddress?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
