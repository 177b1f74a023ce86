import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminSession } from './owner';
import type { RunningService } from './service';

/** Calls the API the way a media server does, with its key. */
export async function asServer<T = Record<string, unknown>>(svc: RunningService, apiKey: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${svc.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** The owner turns on a policy for everyone, with no grace period. */
export async function requireMfaForEveryone(svc: RunningService, owner: AdminSession): Promise<void> {
  const res = await fetch(`${svc.base}/api/v1/policies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken },
    body: JSON.stringify({ name: 'Everyone', gracePeriodDays: 0, enabled: true }),
  });
  if (res.status !== 201) throw new Error(`creating the policy failed: ${res.status} ${await res.text()}`);
}

/** Nothing sticks out sideways on a phone: the page needs no horizontal scrolling. */
export async function sidewaysOverflow(page: { evaluate<R>(fn: () => R): Promise<R> }): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** A web page on loopback that records the paths asked of it: a media server's web client, or an attacker's site. */
export async function loopbackSite(title: string): Promise<{ origin: string; visits: string[]; close: () => Promise<void> }> {
  const visits: string[] = [];
  const server = http.createServer((req, res) => {
    visits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>${title}</title><h1>${title}</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, visits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
