import { z } from 'zod';
import { Timestamp, text } from './common';

/**
 * Settings the console shows and may override. Each section says where its values come from:
 * `environment` (LATCHKEY_* variables or their defaults), `console` (an override saved in the database,
 * which wins over the environment) or, for e-mail, `none` (no mail server at all).
 */
export const SettingSource = z.enum(['environment', 'console', 'none']);
export type SettingSource = z.infer<typeof SettingSource>;

export const SmtpSecurities = ['starttls', 'tls', 'none'] as const;
export const SmtpSecurity = z.enum(SmtpSecurities).meta({ description: '`starttls` (usually port 587), `tls` (implicit TLS, usually 465) or `none` (plain; only for a relay on the same host or network).' });
export type SmtpSecurity = z.infer<typeof SmtpSecurity>;

const HostName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\]|[0-9a-f:.]+)$/, 'must be a host name or IP address, without a scheme or port');

/** `Name <address@example.com>` or a bare address. */
const FromAddress = z
  .string()
  .trim()
  .max(320)
  .regex(/^(?:[^<>\r\n]{0,200}<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/, 'must be an address such as Latchkey <latchkey@example.com>');

export const EmailSettings = z
  .object({
    source: SettingSource,
    host: z.string().nullable(),
    port: z.number().int().nullable(),
    security: SmtpSecurity,
    user: z.string().nullable(),
    from: z.string(),
    passwordSet: z.boolean().meta({ description: 'Whether a password is stored; the password itself is never returned.' }),
    updatedAt: Timestamp.nullable().meta({ description: 'When the console override was saved (null: none).' }),
  })
  .meta({ id: 'EmailSettings' });
export type EmailSettings = z.infer<typeof EmailSettings>;

export const UpdateEmailSettingsRequest = z
  .strictObject({
    host: HostName,
    port: z.number().int().min(1).max(65535),
    security: SmtpSecurity,
    user: text(320).nullable(),
    password: z
      .string()
      .min(1)
      .max(500)
      .nullable()
      .optional()
      .meta({ description: 'Omitted: keep the stored password. null: none. Stored encrypted; never returned.' }),
    from: FromAddress,
  })
  .meta({
    id: 'UpdateEmailSettingsRequest',
    examples: [{ host: 'smtp.example.com', port: 587, security: 'starttls', user: 'latchkey@example.com', password: 'app-password', from: 'Latchkey <latchkey@example.com>' }],
  });
export type UpdateEmailSettingsRequest = z.infer<typeof UpdateEmailSettingsRequest>;

export const SendTestEmailRequest = z
  .strictObject({ to: z.email().max(320).optional().meta({ description: 'Where the test goes; the signed-in admin’s address when omitted.' }) })
  .meta({ id: 'SendTestEmailRequest', examples: [{ to: 'owner@example.com' }] });
export type SendTestEmailRequest = z.infer<typeof SendTestEmailRequest>;

export const TestEmailResult = z
  .object({
    ok: z.boolean(),
    to: z.string(),
    error: z.string().nullable().meta({ description: 'What went wrong, in plain words (the mail server’s answer where it gave one).' }),
  })
  .meta({ id: 'TestEmailResult', examples: [{ ok: false, to: 'owner@example.com', error: 'Could not connect to smtp.example.com:587: the connection was refused. Check the host and port.' }] });
export type TestEmailResult = z.infer<typeof TestEmailResult>;

export const TRUST_DAYS_MIN = 1;
export const TRUST_DAYS_MAX = 90;

export const SecuritySettings = z
  .object({
    webauthn: z.object({
      source: SettingSource,
      rpId: z.string().meta({ description: 'Relying party ID passkeys are bound to (LATCHKEY_WEBAUTHN_RP_ID).' }),
      rpName: z.string(),
      origins: z.array(z.string()).meta({ description: 'Origins passkey ceremonies may come from (LATCHKEY_WEBAUTHN_ORIGINS).' }),
      updatedAt: Timestamp.nullable(),
    }),
    deviceTrust: z.object({
      source: SettingSource,
      trustDays: z.number().int().meta({ description: 'How long a remembered browser stays trusted (LATCHKEY_TRUST_DAYS).' }),
      updatedAt: Timestamp.nullable(),
    }),
    trustedProxies: z.array(z.string()).meta({ description: 'Reverse proxies in front of Latchkey whose X-Forwarded-For is believed (LATCHKEY_TRUSTED_PROXIES; read at start).' }),
    reauthMinutes: z.number().int().meta({ description: 'How recent a second-factor check must be to change security settings (LATCHKEY_ADMIN_REAUTH_MINUTES).' }),
  })
  .meta({ id: 'SecuritySettings' });
export type SecuritySettings = z.infer<typeof SecuritySettings>;

export const Settings = z
  .object({ email: EmailSettings, security: SecuritySettings })
  .meta({ id: 'Settings' });
export type Settings = z.infer<typeof Settings>;

/** An origin as a browser sends it: scheme, host and port, nothing else. */
const Origin = z
  .string()
  .trim()
  .max(300)
  .transform((s) => s.replace(/\/+$/, ''))
  .pipe(
    z.string().refine(
      (s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s.toLowerCase() && !u.username && !u.password;
        } catch {
          return false;
        }
      },
      { message: 'must be an origin such as https://mfa.example.com (scheme, host and port only)' },
    ),
  )
  .transform((s) => s.toLowerCase());

const RpId = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?:localhost|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/, 'must be a domain name such as example.com (no scheme, port or path)');

/** True when `rpId` is the origin's host or a parent domain of it (the WebAuthn rule). */
export function rpIdCoversOrigin(rpId: string, origin: string): boolean {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}

export const WebAuthnOverride = z
  .strictObject({ rpId: RpId, origins: z.array(Origin).min(1).max(20) })
  .superRefine((v, ctx) => {
    v.origins.forEach((o, i) => {
      if (!rpIdCoversOrigin(v.rpId, o)) ctx.addIssue({ code: 'custom', path: ['origins', i], message: `must be on ${v.rpId} or one of its subdomains (the RP ID must be a suffix of every origin's host)` });
      else if (o.startsWith('http:') && new URL(o).hostname !== 'localhost' && !new URL(o).hostname.endsWith('.localhost')) {
        ctx.addIssue({ code: 'custom', path: ['origins', i], message: 'must use https (browsers allow passkeys over plain http on localhost only)' });
      }
    });
  });

export const UpdateSecuritySettingsRequest = z
  .strictObject({
    webauthn: WebAuthnOverride.nullable().optional().meta({ description: 'RP ID and origins, set together. null: back to the environment.' }),
    trustDays: z.number().int().min(TRUST_DAYS_MIN).max(TRUST_DAYS_MAX).nullable().optional().meta({ description: 'Device trust lifetime in days (1–90). null: back to the environment.' }),
  })
  .refine((v) => v.webauthn !== undefined || v.trustDays !== undefined, { message: 'must change webauthn or trustDays' })
  .meta({ id: 'UpdateSecuritySettingsRequest', examples: [{ webauthn: { rpId: 'example.com', origins: ['https://mfa.example.com'] }, trustDays: 14 }] });
export type UpdateSecuritySettingsRequest = z.infer<typeof UpdateSecuritySettingsRequest>;
