import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** What Google Authenticator, Authy, 1Password and Bitwarden expect: 160-bit secret, SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpFor(secretBase32: string, issuer: string, accountName: string): TOTP {
  return new TOTP({ issuer, label: accountName, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/**
 * The time step a code belongs to, if it is valid within ±1 step of `now`; null otherwise.
 * The caller must still make sure each step is accepted only once.
 */
export function matchingStep(secretBase32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secretBase32, 'x', 'x');
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD) + delta;
}

export async function qrSvgDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
