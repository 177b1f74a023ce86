import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/config';

export interface WebApp {
  name: 'admin' | 'portal';
  /** URL prefix the app is served under, with trailing slash. */
  prefix: string;
  root: string;
  indexHtml: string | null;
}

/**
 * The admin console (under /admin/) and the member pages (under /) are single-page apps: a deep link
 * such as /admin/servers or /pair has no file of its own and is answered with the app's index.html.
 */
@Injectable()
export class SpaFallback {
  readonly apps: WebApp[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.apps = [
      load('admin', '/admin/', path.join(config.webDir, 'admin', 'browser')),
      load('portal', '/', path.join(config.webDir, 'portal', 'browser')),
    ];
  }

  /** Serves an app's index.html for an unknown browser path; false when this is not such a request. */
  tryServe(req: FastifyRequest, reply: FastifyReply): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url.split('?')[0] ?? '/';
    if (/^\/(api|healthz|readyz|metrics)(\/|$)/.test(url)) return false;
    // Paths that look like files (/admin/main.js) are real 404s, not app routes.
    if (/\.[a-z0-9]{1,8}$/i.test(url)) return false;
    const app = this.apps.find((a) => url === a.prefix.slice(0, -1) || url.startsWith(a.prefix));
    if (!app?.indexHtml) return false;
    if (url === app.prefix.slice(0, -1)) {
      void reply.redirect(app.prefix, 302);
      return true;
    }
    void reply.status(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(app.indexHtml);
    return true;
  }
}

function load(name: WebApp['name'], prefix: string, root: string): WebApp {
  const file = path.join(root, 'index.html');
  return { name, prefix, root, indexHtml: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null };
}
