import { Location } from '@angular/common';
import { inject } from '@angular/core';
import { ActivatedRoute } from '@angular/router';

const STATE_KEY = 'latchkey';

/**
 * Reads the personal link from the address's fragment (`#link=…&challenge=…`), then takes the fragment out of
 * the address bar and the history entry, so the single-use token is not kept around. The parameters named in
 * `remember` (never the link itself) stay in the history entry's state, so a reload can pick up where it was.
 */
export function takeLinkFragment(remember: readonly string[] = []): URLSearchParams {
  const location = inject(Location);
  const fragment = inject(ActivatedRoute).snapshot.fragment ?? '';
  const params = new URLSearchParams(fragment);
  if (fragment) {
    const kept: Record<string, string> = {};
    for (const key of remember) {
      const value = params.get(key);
      if (value) kept[key] = value;
    }
    const state = (location.getState() ?? {}) as Record<string, unknown>;
    location.replaceState(location.path(false), '', { ...state, [STATE_KEY]: kept });
  } else {
    const kept = ((location.getState() ?? {}) as Record<string, unknown>)[STATE_KEY];
    if (kept && typeof kept === 'object') {
      for (const [key, value] of Object.entries(kept)) if (remember.includes(key) && typeof value === 'string') params.set(key, value);
    }
  }
  return params;
}
