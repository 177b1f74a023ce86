import { z } from 'zod';
import { Id, Timestamp, text } from './common';

export const FactorKinds = ['totp', 'recovery_codes', 'email', 'passkey'] as const;
export const FactorKind = z.enum(FactorKinds);
export type FactorKind = z.infer<typeof FactorKind>;

/** Ways to answer a challenge. */
export const VerificationMethods = ['totp', 'recovery_code', 'email', 'passkey'] as const;
export const VerificationMethod = z.enum(VerificationMethods);
export type VerificationMethod = z.infer<typeof VerificationMethod>;

export const Factor = z
  .object({
    id: Id,
    kind: FactorKind,
    label: z.string().nullable(),
    /** Only for email factors: the address, partly masked. */
    email: z.string().nullable(),
    /** Only for recovery codes: how many are unused. */
    remaining: z.number().int().nullable(),
    phishingResistant: z.boolean(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Factor' });
export type Factor = z.infer<typeof Factor>;

export const FactorList = z.object({ items: z.array(Factor) }).meta({ id: 'FactorList' });
export type FactorList = z.infer<typeof FactorList>;

export const FactorIdParams = z.strictObject({ factorId: Id });
export type FactorIdParams = z.infer<typeof FactorIdParams>;

/** A one-time code typed by a person: digits, or a recovery code; spaces and dashes are forgiven. */
export const Code = z.string().trim().min(4).max(64).meta({ description: 'The code as typed; case, spaces and dashes do not matter for recovery codes.' });

export const TotpEnrolment = z
  .object({
    factorId: Id,
    secret: z.string().meta({ description: 'Base32 secret for manual entry. Shown once.' }),
    otpauthUri: z.string(),
    qrCodeSvg: z.string().meta({ description: 'The otpauth URI as an SVG QR code (data: URL).' }),
    issuer: z.string(),
    accountName: z.string(),
  })
  .meta({ id: 'TotpEnrolment' });
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;

export const ConfirmCodeRequest = z.strictObject({ code: Code }).meta({ id: 'ConfirmCodeRequest' });
export type ConfirmCodeRequest = z.infer<typeof ConfirmCodeRequest>;

export const StartEmailFactorRequest = z
  .strictObject({ email: z.email().max(320).optional().meta({ description: 'Defaults to the address the media server knows.' }) })
  .meta({ id: 'StartEmailFactorRequest' });
export type StartEmailFactorRequest = z.infer<typeof StartEmailFactorRequest>;

export const PendingFactor = z.object({ factorId: Id, sentTo: z.string().nullable(), expiresAt: Timestamp.nullable() }).meta({ id: 'PendingFactor' });
export type PendingFactor = z.infer<typeof PendingFactor>;

export const RecoveryCodes = z
  .object({ codes: z.array(z.string()).meta({ description: 'Shown once. Each works once.' }), createdAt: Timestamp })
  .meta({ id: 'RecoveryCodes' });
export type RecoveryCodes = z.infer<typeof RecoveryCodes>;

export const RecoveryCodesStatus = z
  .object({ total: z.number().int(), remaining: z.number().int(), createdAt: Timestamp.nullable() })
  .meta({ id: 'RecoveryCodesStatus' });
export type RecoveryCodesStatus = z.infer<typeof RecoveryCodesStatus>;

export const Challenge = z
  .object({
    id: Id,
    purpose: z.string(),
    status: z.enum(['pending', 'completed', 'expired', 'failed', 'denied']),
    methods: z.array(VerificationMethod).meta({ description: 'Ways this member can answer.' }),
    expiresAt: Timestamp,
    returnUrl: z
      .string()
      .nullable()
      .optional()
      .meta({ description: "Sign-ins from a web client: where to send the member once verified (checked against the server's origins when the sign-in started and again now)." }),
  })
  .meta({ id: 'Challenge' });
export type Challenge = z.infer<typeof Challenge>;

export const ChallengeIdParams = z.strictObject({ challengeId: Id });
export type ChallengeIdParams = z.infer<typeof ChallengeIdParams>;

/** WebAuthn JSON as produced by the browser (PublicKeyCredential#toJSON or @simplewebauthn/browser). */
export const WebAuthnResponseJson = z.record(z.string(), z.unknown()).meta({ id: 'WebAuthnResponseJSON' });

export const VerifyRequest = z
  .strictObject({
    method: VerificationMethod,
    code: Code.optional(),
    assertion: WebAuthnResponseJson.optional(),
    remember: z.boolean().optional().meta({ description: 'Sign-in challenges: remember this device, so it is not asked again for a while.' }),
  })
  .refine((v) => (v.method === 'passkey' ? v.assertion !== undefined : v.code !== undefined), {
    message: 'send `code` for codes, `assertion` for a passkey',
    path: ['code'],
  })
  .meta({ id: 'VerifyRequest' });
export type VerifyRequest = z.infer<typeof VerifyRequest>;

export const VerifyResult = z
  .object({
    status: z.literal('completed'),
    challengeId: Id,
    csrfToken: z.string().optional().meta({ description: 'When the verification renewed your session (new cookie), its new CSRF token.' }),
  })
  .meta({ id: 'VerifyResult' });
export type VerifyResult = z.infer<typeof VerifyResult>;

export const EmailCodeSent = z.object({ sentTo: z.string(), expiresAt: Timestamp }).meta({ id: 'EmailCodeSent' });
export type EmailCodeSent = z.infer<typeof EmailCodeSent>;

export const PasskeyRegistrationRequest = z
  .strictObject({ label: text(100).optional(), response: WebAuthnResponseJson })
  .meta({ id: 'PasskeyRegistrationRequest' });
export type PasskeyRegistrationRequest = z.infer<typeof PasskeyRegistrationRequest>;

export const WebAuthnOptions = z.record(z.string(), z.unknown()).meta({ id: 'WebAuthnOptions', description: 'Options for navigator.credentials.create/get, in WebAuthn JSON form.' });

export const PortalLinkPurposes = ['enrol', 'manage'] as const;
export const CreatePortalLinkRequest = z.strictObject({ purpose: z.enum(PortalLinkPurposes).default('enrol') }).meta({ id: 'CreatePortalLinkRequest' });
export type CreatePortalLinkRequest = z.infer<typeof CreatePortalLinkRequest>;
export const PortalLink = z.object({ url: z.string(), expiresAt: Timestamp }).meta({ id: 'PortalLink' });
export type PortalLink = z.infer<typeof PortalLink>;

export const StartPortalSessionRequest = z.strictObject({ link: z.string().min(10).max(200) }).meta({ id: 'StartPortalSessionRequest' });
export type StartPortalSessionRequest = z.infer<typeof StartPortalSessionRequest>;

export const MemberSelf = z
  .object({
    member: z.object({ id: Id, username: z.string(), displayName: z.string().nullable(), email: z.string().nullable() }),
    server: z.object({
      name: z.string(),
      ownerName: z.string().nullable().meta({ description: 'Who runs the server, as the owner signs reminders (null when unknown): the person asking for MFA.' }),
    }),
    requirement: z
      .object({
        required: z.boolean().meta({ description: 'Whether a policy of the owner asks this member for two-step verification.' }),
        deadline: Timestamp.nullable().meta({ description: 'By when the member must set it up (null: no deadline pending, e.g. already set up).' }),
        daysLeft: z.number().int().nullable().meta({ description: 'Whole days until the deadline (0 or less: it has passed).' }),
        passkeyRequired: z.boolean().meta({ description: 'A policy accepts only a passkey (phishing-resistant).' }),
      })
      .meta({ description: 'What the owner requires of this member, as the policies say now.' }),
    factors: z.array(Factor),
    /** Factor changes need a verification with an existing factor in the last few minutes. */
    recentlyVerified: z.boolean(),
    csrfToken: z.string(),
  })
  .meta({ id: 'MemberSelf' });
export type MemberSelf = z.infer<typeof MemberSelf>;

export const AdminMfaState = z.enum(['verified', 'required', 'enrol_required']);
export type AdminMfaState = z.infer<typeof AdminMfaState>;
