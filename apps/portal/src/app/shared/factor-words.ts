import type { Factor } from '@latchkey/contracts';

/** `Kind: label`, unless the label says no more than the kind. */
function named(kind: string, label: string | null): string | null {
  if (!label || label.trim().toLowerCase() === kind.toLowerCase()) return null;
  return `${kind}: ${label}`;
}

/** A sign-in method in plain words, as a member would call it. */
export function factorName(f: Factor): string {
  switch (f.kind) {
    case 'passkey':
      return named('Passkey', f.label) ?? 'Passkey on your phone or computer';
    case 'totp':
      return named('Authenticator app', f.label) ?? 'Authenticator app';
    case 'email':
      return f.email ? `Codes by e-mail to ${f.email}` : 'Codes by e-mail';
    case 'recovery_codes':
      return f.remaining === null ? 'Recovery codes' : `Recovery codes (${f.remaining} left)`;
  }
}

/** How the member will confirm next time, for "you'll confirm with …". */
export function confirmWith(f: Factor | undefined): string {
  switch (f?.kind) {
    case 'passkey':
      return 'your passkey: this phone or computer will ask for your fingerprint, face or screen lock';
    case 'totp':
      return 'a code from your authenticator app';
    case 'email':
      return f.email ? `a code we e-mail to ${f.email}` : 'a code we e-mail to you';
    default:
      return 'the way you just set up';
  }
}

/** The factors that count for signing in (recovery codes are only a spare). */
export const mainFactors = (factors: readonly Factor[]) => factors.filter((f) => f.kind !== 'recovery_codes');

/** `alice@example.com` → `a••••@example.com`, as the API masks addresses: enough to recognise, not to read over a shoulder. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? email : `${email[0]}••••${email.slice(at)}`;
}
