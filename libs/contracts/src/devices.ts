import { z } from 'zod';
import { Id, Timestamp, text } from './common';

/**
 * Devices: browsers a member asked to remember, TVs and apps paired with a code, app passwords, and what
 * the member sees of their own sign-ins.
 */
export const DeviceKinds = ['remembered', 'paired'] as const;
export type DeviceKind = (typeof DeviceKinds)[number];

export const MemberDevice = z
  .object({
    id: Id,
    kind: z.enum(DeviceKinds),
    deviceName: z.string().nullable(),
    client: z.string().nullable(),
    serverName: z.string(),
    createdAt: Timestamp,
    verifiedAt: Timestamp.meta({ description: 'When a second factor was last passed on this device.' }),
    lastUsedAt: Timestamp.nullable(),
    lastIp: z.string().nullable(),
    expiresAt: Timestamp.nullable().meta({ description: 'Remembered devices expire; paired devices last until revoked.' }),
  })
  .meta({ id: 'MemberDevice' });
export type MemberDevice = z.infer<typeof MemberDevice>;

export const RecentSignIn = z
  .object({
    at: Timestamp,
    outcome: z.string().meta({ description: 'The decision: allow, allow_in_grace, challenge, enrol_required or deny.' }),
    deviceName: z.string().nullable(),
    client: z.string().nullable(),
    ip: z.string().nullable(),
  })
  .meta({ id: 'RecentSignIn' });
export type RecentSignIn = z.infer<typeof RecentSignIn>;

export const AppPassword = z
  .object({
    id: Id,
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters, to tell app passwords apart.' }),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    lastIp: z.string().nullable(),
  })
  .meta({ id: 'AppPassword' });
export type AppPassword = z.infer<typeof AppPassword>;

export const AppPasswordCreated = AppPassword.extend({
  password: z.string().meta({ description: 'Shown once: type it into the app instead of your password. Latchkey keeps only a hash.' }),
}).meta({ id: 'AppPasswordCreated' });
export type AppPasswordCreated = z.infer<typeof AppPasswordCreated>;

export const CreateAppPasswordRequest = z.strictObject({ name: text(100) }).meta({ id: 'CreateAppPasswordRequest' });
export type CreateAppPasswordRequest = z.infer<typeof CreateAppPasswordRequest>;

export const MemberSecurity = z
  .object({
    devices: z.array(MemberDevice),
    appPasswords: z.array(AppPassword),
    recentSignIns: z.array(RecentSignIn),
    emergency: z.boolean().meta({ description: 'After "I lost my phone": only a recovery code or an e-mail code gets the member back in.' }),
  })
  .meta({ id: 'MemberSecurity' });
export type MemberSecurity = z.infer<typeof MemberSecurity>;

export const DeviceIdParams = z.strictObject({ deviceId: Id });
export type DeviceIdParams = z.infer<typeof DeviceIdParams>;
export const AppPasswordIdParams = z.strictObject({ appPasswordId: Id });
export type AppPasswordIdParams = z.infer<typeof AppPasswordIdParams>;
export const MemberIdParams = z.strictObject({ memberId: Id });
export type MemberIdParams = z.infer<typeof MemberIdParams>;
export const MemberDeviceParams = z.strictObject({ memberId: Id, deviceId: Id });
export type MemberDeviceParams = z.infer<typeof MemberDeviceParams>;
export const MemberAppPasswordParams = z.strictObject({ memberId: Id, appPasswordId: Id });
export type MemberAppPasswordParams = z.infer<typeof MemberAppPasswordParams>;

export const RevokedCount = z.object({ devices: z.number().int(), appPasswords: z.number().int(), sessions: z.number().int() }).meta({ id: 'RevokedCount' });
export type RevokedCount = z.infer<typeof RevokedCount>;

/** The code a TV shows: forgiving of case, spaces and dashes. */
export const UserCodeInput = z
  .string()
  .max(40)
  .transform((s) => s.toUpperCase().replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^[A-Z]{8}$/, 'the code has 8 letters, like WDJB-MJHT'));

export const StartPairingRequest = z.strictObject({ userCode: UserCodeInput }).meta({ id: 'StartPairingRequest' });
export type StartPairingRequest = z.infer<typeof StartPairingRequest>;

export const PairingRequest = z
  .object({
    challengeId: Id,
    status: z.enum(['pending', 'completed', 'denied', 'expired', 'failed']),
    serverName: z.string(),
    deviceName: z.string().nullable(),
    client: z.string().nullable(),
    ip: z.string().nullable(),
    location: z.string().meta({ description: 'A plain hint about where the request comes from, e.g. "your home network" or "the internet (203.0.113.7)".' }),
    requestedAt: Timestamp,
    expiresAt: Timestamp,
  })
  .meta({ id: 'PairingRequest' });
export type PairingRequest = z.infer<typeof PairingRequest>;

export const PairingStarted = z
  .object({
    serverName: z.string(),
    expiresAt: Timestamp,
    verificationChallengeId: Id.meta({ description: 'Confirm it is you on this challenge (GET/POST /me/challenges/{id}/…) before seeing or approving the request.' }),
    csrfToken: z.string(),
  })
  .meta({ id: 'PairingStarted' });
export type PairingStarted = z.infer<typeof PairingStarted>;

export const Revocation = z
  .object({
    memberExternalId: z.string(),
    deviceId: z.string(),
    kind: z.enum(DeviceKinds),
    revokedAt: Timestamp,
    reason: z.string(),
  })
  .meta({ id: 'Revocation' });
export const RevocationList = z
  .object({ items: z.array(Revocation), next: z.string().nullable().meta({ description: 'Pass as `since` on the next poll.' }) })
  .meta({ id: 'RevocationList' });
export type RevocationList = z.infer<typeof RevocationList>;
export const RevocationQuery = z.strictObject({
  since: z.string().max(100).regex(/^\d{1,15}(:[0-9a-f-]{36})?$/, 'use the `next` value of the previous answer').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type RevocationQuery = z.infer<typeof RevocationQuery>;
