/**
 * What the console's member search looks in: "username display name e-mail", lower-cased (Unicode-aware,
 * unlike SQL `lower()`), capped so it fits in an index entry. Written with the member row; the search
 * lower-cases the query the same way. The console migration backfilled existing rows with a frozen copy.
 */
export function memberSearchText(username: string, displayName: string | null, email: string | null): string {
  return [username, displayName ?? '', email ?? ''].join(' ').toLowerCase().slice(0, 300);
}
