import { Secret, TOTP } from 'otpauth';
import type { RunningService } from './service';

export interface OwnerSession {
  cookie: string;
  csrfToken: string;
  totpSecret: string;
}

/** What calling the admin API takes: the session cookie and its CSRF token. */
export type AdminSession = Pick<OwnerSession, 'cookie' | 'csrfToken'>;

function cookieOf(res: Response): string {
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** First-run setup over HTTP, with an authenticator app as the owner's second factor. */
export async function setUpOwner(svc: RunningService): Promise<OwnerSession> {
  const token = new URL(svc.setupUrl).hash.slice('#token='.length);
  const setup = await fetch(`${svc.base}/api/v1/admin/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, email: 'owner@example.com', displayName: 'Owner', password: 'correct horse battery staple' }),
  });
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`);
  const pending = { cookie: cookieOf(setup), csrf: ((await setup.json()) as { csrfToken: string }).csrfToken };
  const headers = { 'content-type': 'application/json', cookie: pending.cookie, 'x-csrf-token': pending.csrf };
  const enrol = (await (await fetch(`${svc.base}/api/v1/admin/mfa/totp`, { method: 'POST', headers, body: '{}' })).json()) as { factorId: string; secret: string };
  const code = new TOTP({ secret: Secret.fromBase32(enrol.secret) }).generate();
  const confirmed = await fetch(`${svc.base}/api/v1/admin/mfa/totp/${enrol.factorId}/confirm`, { method: 'POST', headers, body: JSON.stringify({ code }) });
  if (confirmed.status !== 200) throw new Error(`second factor failed: ${confirmed.status} ${await confirmed.text()}`);
  return { cookie: cookieOf(confirmed), csrfToken: ((await confirmed.json()) as { csrfToken: string }).csrfToken, totpSecret: enrol.secret };
}

/** Registers a media server as the owner and returns its API key. */
export async function registerServer(svc: RunningService, owner: AdminSession, name = 'Family Jellyfin', baseUrl = 'http://127.0.0.1:8096'): Promise<string> {
  const created = await fetch(`${svc.base}/api/v1/servers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrfToken },
    body: JSON.stringify({ name, kind: 'jellyfin', baseUrl }),
  });
  if (created.status !== 201) throw new Error(`server registration failed: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { apiKey: string }).apiKey;
}
