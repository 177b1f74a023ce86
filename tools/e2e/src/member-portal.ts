import type { RunningService } from './service';

/** The owner account every e2e suite creates (see owner.ts). */
export const OWNER = {
  email: 'owner@example.com',
  displayName: 'Owner',
  password: 'correct horse battery staple',
};

/** The setup token from the printed setup link. */
export const setupToken = (svc: RunningService) => new URL(svc.setupUrl).hash.slice('#token='.length);

async function asServer(svc: RunningService, apiKey: string, method: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${svc.base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${apiKey}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The media server pushes its members. */
export async function pushMembers(svc: RunningService, apiKey: string, members: Array<{ externalId: string; username: string; email?: string }>): Promise<void> {
  const res = await asServer(svc, apiKey, 'PATCH', '/api/v1/directory', {
    members,
  });
  if (res.status !== 200) throw new Error(`directory push failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A single-use link to the member pages, minted by the media server; returns the token from its fragment. */
export async function memberLink(svc: RunningService, apiKey: string, externalId: string): Promise<string> {
  const res = await asServer(svc, apiKey, 'POST', `/api/v1/directory/members/${encodeURIComponent(externalId)}/links`, { purpose: 'enrol' });
  if (res.status !== 201) throw new Error(`minting a link failed: ${res.status} ${JSON.stringify(res.body)}`);
  return new URL(res.body.url).hash.slice('#link='.length);
}
