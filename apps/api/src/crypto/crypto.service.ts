import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { hmacSha256, safeEqual } from './primitives';
import type { KeyRing, StoredKey } from './keys';

const ENVELOPE_VERSION = 'lk1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/**
 * Encryption and signing with Latchkey's keys.
 * Envelope: `lk1.<kid>.<iv>.<ciphertext+tag>` (base64url parts), AES-256-GCM, with a caller-chosen
 * context bound as associated data so a ciphertext cannot be moved to another record or field.
 */
export class CryptoService {
  private readonly encryptionKeys = new Map<string, StoredKey>();

  constructor(private readonly keys: KeyRing) {
    this.encryptionKeys.set(keys.encryption.kid, keys.encryption);
  }

  encrypt(plaintext: string | Buffer, context: string): string {
    const k = this.keys.encryption;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', k.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.aad(k.kid, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return [ENVELOPE_VERSION, k.kid, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(envelope: string, context: string): Buffer {
    const parts = envelope.split('.');
    if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION) throw new DecryptionError('unknown envelope format');
    const [, kid, ivText, bodyText] = parts as [string, string, string, string];
    const k = this.encryptionKeys.get(kid);
    if (!k) throw new DecryptionError(`unknown key id ${kid}`);
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new DecryptionError('truncated envelope');
    const decipher = createDecipheriv('aes-256-gcm', k.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(this.aad(kid, context));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new DecryptionError('ciphertext was altered, or belongs to another context');
    }
  }

  /** Key for deterministic lookups of short secrets (codes): derived from the signing key. */
  get lookupKey(): Buffer {
    return (this.lookup ??= hmacSha256(this.keys.signing.key, 'latchkey-lookup-key'));
  }
  private lookup: Buffer | undefined;

  /** HMAC-SHA256 with the signing key, base64url. `purpose` separates uses of the same key. */
  sign(purpose: string, data: string): string {
    return hmacSha256(this.keys.signing.key, `${purpose}\n${data}`).toString('base64url');
  }

  verify(purpose: string, data: string, signature: string): boolean {
    return safeEqual(this.sign(purpose, data), signature);
  }

  private aad(kid: string, context: string): Buffer {
    return Buffer.from(`${ENVELOPE_VERSION}|${kid}|${context}`, 'utf8');
  }
}
