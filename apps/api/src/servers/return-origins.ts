import { originOf } from '@latchkey/contracts';
import type { ServerEntity } from '../database/entities';

/** Where a login's return URL may lead: the origin of the server's base URL and its registered web origins. */
export function returnOrigins(s: Pick<ServerEntity, 'baseUrl' | 'webOrigins'>): string[] {
  const base = originOf(s.baseUrl);
  return [...(base ? [base] : []), ...(s.webOrigins ? (JSON.parse(s.webOrigins) as string[]) : [])];
}
