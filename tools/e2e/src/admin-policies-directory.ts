import type { RunningService } from './service';

/** A small household directory: three in Family, two in Friends, two libraries. */
export const DIRECTORY = {
  groups: [
    { externalId: 'g-family', name: 'Family' },
    { externalId: 'g-friends', name: 'Friends' },
  ],
  libraries: [
    { externalId: 'lib-movies', name: 'Movies' },
    { externalId: 'lib-home', name: 'Home videos' },
  ],
  members: [
    { externalId: 'u-grandma', username: 'grandma', displayName: 'Grandma Rose', groups: ['g-family'] },
    { externalId: 'u-dad', username: 'dad', groups: ['g-family'] },
    { externalId: 'u-kid', username: 'kid', groups: ['g-family'] },
    { externalId: 'u-pal', username: 'pal', email: 'pal@example.com', groups: ['g-friends'] },
    { externalId: 'u-neighbour', username: 'neighbour', groups: ['g-friends'] },
  ],
};

/** The media server replaces its whole directory (`PUT /directory`) with its own API key. */
export async function pushDirectory(svc: RunningService, apiKey: string, directory = DIRECTORY): Promise<void> {
  const res = await fetch(`${svc.base}/api/v1/directory`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(directory),
  });
  if (res.status !== 200) throw new Error(`directory push failed: ${res.status} ${await res.text()}`);
}
