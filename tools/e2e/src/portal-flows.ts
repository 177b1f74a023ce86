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
