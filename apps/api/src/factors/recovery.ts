import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code: 15 base32 characters (75 bits), shown as XXXXX-XXXXX-XXXXX. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(15);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10)}`;
}

/** What a person typed, as stored: case, spaces and dashes ignored; 0/1/8 read as O/I/B. */
export function normaliseRecoveryCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/0/g, 'O').replace(/1/g, 'I').replace(/8/g, 'B');
  return /^[A-Z2-7]{15}$/.test(s) ? s : null;
}
