/**
 * Pairing codes as a TV shows them: 8 letters from the RFC 8628 base-20 alphabet (no vowels, so no words
 * and no 0/O or 1/I mix-ups), shown as two groups, e.g. `WDJB-MJHT`.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** Characters people add while typing a code: spaces, dashes of all widths, dots, underscores. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212._]/g;
const VALID = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

export type UserCodeProblem = 'empty' | 'bad_characters' | 'wrong_length';

/** Strips separators and upper-cases, without judging. */
export function compactUserCode(input: string): string {
  return input.replace(SEPARATORS, '').toUpperCase();
}

/** `'wdjb mjht'` → `'WDJB-MJHT'`; null when it cannot be a code. */
export function normalizeUserCode(input: string): string | null {
  const compact = compactUserCode(input);
  if (!VALID.test(compact)) return null;
  const half = USER_CODE_LENGTH / 2;
  return `${compact.slice(0, half)}-${compact.slice(half)}`;
}

/** Why a typed code is not valid, or null if it is. */
export function userCodeProblem(input: string): UserCodeProblem | null {
  const compact = compactUserCode(input);
  if (compact.length === 0) return 'empty';
  if ([...compact].some((c) => !USER_CODE_ALPHABET.includes(c))) return 'bad_characters';
  if (compact.length !== USER_CODE_LENGTH) return 'wrong_length';
  return null;
}

/** The characters of a typed code that never appear in codes, once each, in the order typed. */
export function foreignCharacters(input: string): string[] {
  return [...new Set([...compactUserCode(input)].filter((c) => !USER_CODE_ALPHABET.includes(c)))];
}
