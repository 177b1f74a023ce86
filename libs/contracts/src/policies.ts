import { z } from 'zod';
import { Id, Timestamp, text } from './common';
import { ExternalId } from './directory';
import { FactorKind } from './factors';
import { RETURN_URL_MAX } from './return-url';

/** A remembered- or paired-device token (`lkd1.…`). */
export const TrustToken = z.string().min(10).max(300);

const Cidr = z
  .string()
  .trim()
  .max(64)
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or CIDR range, like 192.168.1.0/24');

const PolicyFields = {
  name: text(100),
  /** Latchkey ids of directory groups (empty: everyone). */
  groups: z.array(Id).max(500).default([]).meta({ description: 'Latchkey ids of groups; empty = all members.' }),
  libraries: z.array(Id).max(500).default([]).meta({ description: 'Latchkey ids of libraries this policy guards; empty = it applies at sign-in.' }),
  gracePeriodDays: z.number().int().min(0).max(365).default(14),
  accepted: z.enum(['any', 'phishing_resistant']).default('any').meta({ description: '`phishing_resistant`: only passkeys count.' }),
  allowEmail: z.boolean().default(true).meta({ description: 'Whether e-mail codes count as a factor (a weak one).' }),
  enforcement: z.enum(['block', 'restrict']).default('block').meta({ description: 'After the deadline: refuse sign-in (`block`) or only the guarded libraries (`restrict`).' }),
  allowAppPasswords: z.boolean().default(true).meta({ description: 'Whether a member’s app password (for apps that cannot show a code prompt) stands in for a challenge.' }),
  reverifyAfterHours: z.number().int().min(1).max(24 * 365).nullable().default(null),
  bypassCidrs: z.array(Cidr).max(50).default([]).meta({ description: 'Client addresses (resolved through trusted proxies only) that are asked nothing.' }),
};

export const CreatePolicyRequest = z.strictObject({ ...PolicyFields, enabled: z.boolean().default(false) }).meta({ id: 'CreatePolicyRequest' });
export type CreatePolicyRequest = z.infer<typeof CreatePolicyRequest>;

export const UpdatePolicyRequest = z
  .strictObject({
    name: PolicyFields.name.optional(),
    groups: z.array(Id).max(500).optional(),
    libraries: z.array(Id).max(500).optional(),
    gracePeriodDays: z.number().int().min(0).max(365).optional(),
    accepted: z.enum(['any', 'phishing_resistant']).optional(),
    allowEmail: z.boolean().optional(),
    enforcement: z.enum(['block', 'restrict']).optional(),
    allowAppPasswords: z.boolean().optional(),
    reverifyAfterHours: z.number().int().min(1).max(24 * 365).nullable().optional(),
    bypassCidrs: z.array(Cidr).max(50).optional(),
  })
  .meta({ id: 'UpdatePolicyRequest' });
export type UpdatePolicyRequest = z.infer<typeof UpdatePolicyRequest>;

/** A draft to preview: the fields of a policy, nothing saved. */
export const PolicyDraft = z.strictObject({ ...PolicyFields, name: PolicyFields.name.default('Draft') }).meta({ id: 'PolicyDraft' });
export type PolicyDraft = z.infer<typeof PolicyDraft>;

export const Policy = z
  .object({
    id: Id,
    name: z.string(),
    enabled: z.boolean(),
    groups: z.array(Id),
    libraries: z.array(Id),
    gracePeriodDays: z.number().int(),
    accepted: z.enum(['any', 'phishing_resistant']),
    allowEmail: z.boolean(),
    enforcement: z.enum(['block', 'restrict']),
    allowAppPasswords: z.boolean(),
    reverifyAfterHours: z.number().int().nullable(),
    bypassCidrs: z.array(z.string()),
    activatedAt: Timestamp.nullable().meta({ description: 'First time it was enabled; grace periods count from here (never reset).' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Policy' });
export type Policy = z.infer<typeof Policy>;

export const PolicyList = z.object({ items: z.array(Policy) }).meta({ id: 'PolicyList' });
export type PolicyList = z.infer<typeof PolicyList>;
export const PolicyIdParams = z.strictObject({ policyId: Id });
export type PolicyIdParams = z.infer<typeof PolicyIdParams>;

export const PolicyPreview = z
  .object({
    total: z.number().int(),
    compliant: z.number().int(),
    inGrace: z.number().int(),
    inGraceByWeek: z.array(z.object({ weekStart: z.string(), count: z.number().int() })),
    blockedNow: z.number().int(),
    exempt: z.number().int(),
    notInScope: z.number().int(),
    /** Up to 100 members per category. */
    lists: z.object({
      compliant: z.array(z.object({ id: Id, username: z.string() })),
      inGrace: z.array(z.object({ id: Id, username: z.string() })),
      blockedNow: z.array(z.object({ id: Id, username: z.string(), recentClients: z.array(z.string()) })),
      exempt: z.array(z.object({ id: Id, username: z.string() })),
    }),
  })
  .meta({ id: 'PolicyPreview' });
export type PolicyPreview = z.infer<typeof PolicyPreview>;

export const CreateExemptionRequest = z
  .strictObject({
    memberId: Id,
    policyId: Id.nullable().default(null).meta({ description: 'null: excused from every policy.' }),
    reason: text(500),
    expiresAt: z.iso.datetime().nullable().default(null),
  })
  .meta({ id: 'CreateExemptionRequest' });
export type CreateExemptionRequest = z.infer<typeof CreateExemptionRequest>;

export const Exemption = z
  .object({ id: Id, memberId: Id, policyId: Id.nullable(), reason: z.string(), expiresAt: Timestamp.nullable(), createdAt: Timestamp, active: z.boolean() })
  .meta({ id: 'Exemption' });
export type Exemption = z.infer<typeof Exemption>;
export const ExemptionList = z.object({ items: z.array(Exemption) }).meta({ id: 'ExemptionList' });
export type ExemptionList = z.infer<typeof ExemptionList>;
export const ExemptionIdParams = z.strictObject({ exemptionId: Id });
export type ExemptionIdParams = z.infer<typeof ExemptionIdParams>;

// ---- Decisions (media-server API) ----------------------------------------------------------

const ClientIp = z.strictObject({
  peer: z.string().trim().max(64).meta({ description: 'The address the media server saw the request come from (socket peer).' }),
  forwardedFor: z.array(z.string().trim().max(64)).max(20).default([]).meta({ description: 'X-Forwarded-For entries, left to right; used only when `peer` is one of the server’s trusted proxies.' }),
});

export const LoginDecisionRequestSchema = z
  .strictObject({
    member: z.strictObject({ externalId: ExternalId, username: text(200).optional().meta({ description: 'Lets Latchkey add a member it has not been told about yet.' }) }),
    device: z.strictObject({ id: text(200), name: text(200).optional() }),
    client: z.strictObject({ name: text(100), version: text(50).optional() }),
    ip: ClientIp.optional(),
    trustToken: TrustToken.optional().meta({ description: 'The remembered-device token Latchkey gave for this device (from a completed challenge or the previous login). Rotated on use: keep the new `trustToken` of the answer.' }),
    appPassword: z.string().min(8).max(200).optional().meta({ description: 'An app password the member typed into an app that cannot show a code prompt; stands in for a challenge where the owner allows it.' }),
    returnUrl: z
      .string()
      .max(RETURN_URL_MAX)
      .optional()
      .meta({
        description:
          "Web clients: where the member pages send the member back once they have verified. Must be an http(s) URL on the origin of the server's `baseUrl` or one of its `webOrigins` (no credentials, ASCII only); anything else is refused with `400 return_url_not_allowed`.",
      }),
  })
  .meta({
    id: 'LoginDecisionRequest',
    examples: [
      {
        member: { externalId: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c', username: 'alice' },
        device: { id: 'web-7d1f', name: 'Firefox on Windows' },
        client: { name: 'Jellyfin Web', version: '10.10.3' },
        ip: { peer: '192.168.1.2', forwardedFor: ['203.0.113.7'] },
        returnUrl: 'https://media.example.com/web/index.html',
      },
    ],
  });
export const LoginDecisionRequest = LoginDecisionRequestSchema;
export type LoginDecisionRequest = z.infer<typeof LoginDecisionRequestSchema>;
/** What a caller may send (defaults may be left out). */
export type LoginDecisionInput = z.input<typeof LoginDecisionRequestSchema>;

export const AccessRequest = z
  .strictObject({
    member: z.strictObject({ externalId: ExternalId }),
    library: z.strictObject({ externalId: ExternalId }),
    device: z.strictObject({ id: text(200) }),
    challengeId: Id.optional().meta({ description: 'The completed challenge of this session, if the login was challenged.' }),
    trustToken: TrustToken.optional().meta({ description: 'The device’s current remembered-device token, if it has one (checked, not rotated).' }),
    ip: ClientIp.optional(),
  })
  .meta({
    id: 'AccessRequest',
    examples: [{ member: { externalId: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c' }, library: { externalId: 'home-videos' }, device: { id: 'web-7d1f' }, challengeId: '6f1c7a52-8d3e-4b9a-9a41-2f0e5d7c1b23' }],
  });
export type AccessRequest = z.infer<typeof AccessRequest>;
export type AccessInput = z.input<typeof AccessRequest>;

export const DecisionKinds = ['allow', 'allow_in_grace', 'challenge', 'enrol_required', 'deny'] as const;

export const LoginChallenge = z
  .object({
    id: Id,
    expiresAt: Timestamp,
    portalUrl: z.string().meta({ description: 'Send web clients here (single use).' }),
    userCode: z.string().meta({ description: 'For TVs: show "go to verificationUri and enter userCode".' }),
    verificationUri: z.string(),
    interval: z.number().int().meta({ description: 'Seconds to wait between polls.' }),
    methods: z.array(FactorKind),
  })
  .meta({ id: 'LoginChallenge' });
export type LoginChallenge = z.infer<typeof LoginChallenge>;

export const DecisionResponse = z
  .object({
    decision: z.enum(DecisionKinds),
    reasons: z.array(z.object({ code: z.string(), policyId: Id.nullable(), message: z.string() })),
    explanation: z.string().meta({ description: 'Plain words for the member: what happens, and that the server owner asks for it.' }),
    deadline: Timestamp.nullable(),
    daysLeft: z.number().int().nullable(),
    enrolUrl: z.string().nullable().meta({ description: 'For allow_in_grace and enrol_required: a single-use link to set up MFA.' }),
    challenge: LoginChallenge.nullable(),
    restrictedLibraries: z.union([z.array(z.string()), z.literal('all')]).meta({ description: 'External ids of libraries that will be refused, or "all".' }),
    trustToken: z.string().nullable().meta({ description: 'When the login presented a valid remembered-device token: its replacement. Store it for this device; the old one stops working.' }),
    trustExpiresAt: Timestamp.nullable().meta({ description: 'When `trustToken` expires (null for a paired device: until revoked).' }),
  })
  .meta({
    id: 'DecisionResponse',
    examples: [
      {
        decision: 'challenge',
        reasons: [{ code: 'compliant_needs_verification', policyId: '9d2b4f1e-3c5a-4e7b-8f90-1a2b3c4d5e6f', message: 'Confirm it is you with your second factor.' }],
        explanation: 'The owner of this media server asks you to confirm it is you: open the link or enter the code shown.',
        deadline: null,
        daysLeft: null,
        enrolUrl: null,
        challenge: {
          id: '6f1c7a52-8d3e-4b9a-9a41-2f0e5d7c1b23',
          expiresAt: '2026-03-01T12:10:00.000Z',
          portalUrl: 'https://mfa.example.com/verify#link=…&challenge=6f1c7a52-8d3e-4b9a-9a41-2f0e5d7c1b23',
          userCode: 'WDJB-MJHT',
          verificationUri: 'https://mfa.example.com/pair',
          interval: 5,
          methods: ['passkey', 'totp'],
        },
        restrictedLibraries: [],
      },
    ],
  });
export type DecisionResponse = z.infer<typeof DecisionResponse>;

export const ChallengeStatus = z
  .object({
    id: Id,
    status: z.enum(['pending', 'completed', 'expired', 'failed', 'denied']).meta({ description: '`denied`: the member refused this sign-in when asked to approve a device.' }),
    interval: z.number().int(),
    slowDown: z.boolean().meta({ description: 'Polled too fast: wait `interval` seconds (now longer) before the next poll.' }),
    expiresAt: Timestamp,
    completion: z
      .object({
        token: z.string(),
        memberExternalId: z.string(),
        deviceId: z.string(),
        completedAt: Timestamp,
        trustToken: z.string().nullable().meta({ description: 'When the member chose to remember this device, or paired it: send it as `trustToken` with this device’s next logins.' }),
        trustExpiresAt: Timestamp.nullable(),
      })
      .nullable()
      .meta({ description: 'When completed: a token signed by Latchkey, bound to this member and device.' }),
  })
  .meta({
    id: 'ChallengeStatus',
    examples: [
      {
        id: '6f1c7a52-8d3e-4b9a-9a41-2f0e5d7c1b23',
        status: 'completed',
        interval: 5,
        slowDown: false,
        expiresAt: '2026-03-01T12:10:00.000Z',
        completion: { token: 'v1.6f1c7a52-8d3e-4b9a-9a41-2f0e5d7c1b23.1772366460000.Qm9n…', memberExternalId: '0b7e6a2c4d5f4e3a9b8c7d6e5f4a3b2c', deviceId: 'web-7d1f', completedAt: '2026-03-01T12:01:00.000Z' },
      },
    ],
  });
export type ChallengeStatus = z.infer<typeof ChallengeStatus>;
