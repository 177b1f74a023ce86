import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Latchkey signs webhooks with: `Latchkey-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'Latchkey-Signature';
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export interface VerifyWebhookOptions {
  /** The webhook secret shown when the webhook was set up. */
  secret: string;
  /** The `Latchkey-Signature` header as received (a repeated header, as an array, is refused). */
  signature: string | string[] | null | undefined;
  /** The raw request body, exactly as received — not re-serialised JSON. */
  body: string | Uint8Array;
  /** How far the signature's time may be from now, in seconds (default 300). Replays older than this fail. */
  toleranceSeconds?: number;
  /** Now, in unix seconds (for tests). */
  now?: number;
}

export type WebhookVerification =
  | { valid: true; timestamp: number }
  | { valid: false; reason: 'missing_signature' | 'malformed_signature' | 'timestamp_out_of_tolerance' | 'signature_mismatch' };

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks a webhook from Latchkey: `v1` must be the lowercase hex HMAC-SHA256, keyed with the secret, of
 * `"<t>.<raw body>"`, and `t` within the tolerance of now. Several `v1` values may be present (while a
 * secret is being rotated); one matching is enough. Comparisons are constant-time.
 */
export function verifyWebhookSignature(opts: VerifyWebhookOptions): WebhookVerification {
  const header = opts.signature;
  if (header === undefined || header === null || header === '') return { valid: false, reason: 'missing_signature' };
  if (typeof header !== 'string' || header.length > 4096) return { valid: false, reason: 'malformed_signature' };
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { valid: false, reason: 'malformed_signature' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return { valid: false, reason: 'malformed_signature' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX64.test(value)) return { valid: false, reason: 'malformed_signature' };
      signatures.push(value);
    }
    // Other schemes (v0, v2, …) are ignored: unknown to this version of the SDK.
  }
  if (timestamp === null || signatures.length === 0) return { valid: false, reason: 'malformed_signature' };
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS)) return { valid: false, reason: 'timestamp_out_of_tolerance' };
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : Buffer.from(opts.body);
  const expected = createHmac('sha256', opts.secret).update(`${timestamp}.`).update(body).digest();
  const match = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  return match ? { valid: true, timestamp } : { valid: false, reason: 'signature_mismatch' };
}

/** Thrown by `parseWebhook` for a webhook that does not verify. */
export class LatchkeyWebhookError extends Error {
  constructor(readonly reason: Extract<WebhookVerification, { valid: false }>['reason'] | 'malformed_body') {
    super(`The webhook could not be verified: ${reason.replace(/_/g, ' ')}.`);
    this.name = 'LatchkeyWebhookError';
  }
}

/** Verifies a webhook and returns its parsed JSON body; throws LatchkeyWebhookError when it does not verify. */
export function parseWebhook<T = unknown>(opts: VerifyWebhookOptions): T {
  const check = verifyWebhookSignature(opts);
  if (!check.valid) throw new LatchkeyWebhookError(check.reason);
  try {
    return JSON.parse(typeof opts.body === 'string' ? opts.body : Buffer.from(opts.body).toString('utf8')) as T;
  } catch {
    throw new LatchkeyWebhookError('malformed_body');
  }
}

/** Signs a body the way Latchkey does (for tests of a webhook receiver). */
export function signWebhook(secret: string, body: string | Uint8Array, timestamp = Math.floor(Date.now() / 1000)): string {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex')}`;
}
