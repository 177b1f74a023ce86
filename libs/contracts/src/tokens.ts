/** Prefixes of the secrets Latchkey issues, so a leaked one is recognisable (and greppable by scanners). */
export const TokenPrefixes = {
  serverApiKey: 'lk_srv_',
  adminToken: 'lk_adm_',
} as const;

export const CSRF_HEADER = 'x-csrf-token';
