import { z } from 'zod';
import { Id, Timestamp, text } from './common';
import { Member } from './directory';
import { Factor, FactorKind, FactorKinds } from './factors';
import { Exemption } from './policies';

/**
 * Where a member stands against the enabled policies that apply to them (strictest wins):
 * `overdue` past a deadline without an accepted factor, else `in_grace` before one, else `compliant`,
 * else `exempt` (excused from every one of them); `not_required` when no enabled policy applies.
 */
export const MemberStatuses = ['compliant', 'in_grace', 'overdue', 'exempt', 'not_required'] as const;
export const MemberStatus = z.enum(MemberStatuses);
export type MemberStatus = z.infer<typeof MemberStatus>;

export const MemberSorts = ['username', '-username', 'firstSeenAt', '-firstSeenAt'] as const;
export type MemberSort = (typeof MemberSorts)[number];

export const MemberListQuery = z.strictObject({
  serverId: Id.optional(),
  q: z.string().trim().max(200).optional().meta({ description: 'Part of the username, display name or e-mail address (case-insensitive).' }),
  status: MemberStatus.optional(),
  groupId: Id.optional().meta({ description: 'Members of this group (Latchkey id).' }),
  libraryId: Id.optional().meta({
    description:
      'Members of the server this library belongs to, judged against the policies that apply when it is opened (those guarding it and those without libraries). Latchkey does not know who may open which library.',
  }),
  factor: z.enum([...FactorKinds, 'none']).optional().meta({ description: 'Members holding an active factor of this kind; `none`: no factor at all.' }),
  sort: z.enum(MemberSorts).default('username').meta({ description: 'A leading `-` sorts descending.' }),
  includeRemoved: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(400).optional().meta({ description: '`nextCursor` of the previous page (with the same filters and sort).' }),
});
export type MemberListQuery = z.infer<typeof MemberListQuery>;

export const MemberListItem = Member.extend({
  status: MemberStatus,
  deadline: Timestamp.nullable().meta({ description: 'For `in_grace` and `overdue`: the earliest enrolment deadline.' }),
  factors: z.array(FactorKind).meta({ description: 'Kinds of active factors.' }),
}).meta({ id: 'MemberListItem' });
export type MemberListItem = z.infer<typeof MemberListItem>;

export const MemberList = z
  .object({ items: z.array(MemberListItem), nextCursor: z.string().nullable() })
  .meta({ id: 'MemberList' });
export type MemberList = z.infer<typeof MemberList>;

export const MemberPolicyStanding = z
  .object({
    policyId: Id,
    name: z.string(),
    libraries: z.array(Id).meta({ description: 'Libraries it guards; empty: it applies at sign-in.' }),
    status: z.enum(['compliant', 'in_grace', 'overdue', 'exempt', 'not_in_scope']),
    deadline: Timestamp.nullable(),
  })
  .meta({ id: 'MemberPolicyStanding' });
export type MemberPolicyStanding = z.infer<typeof MemberPolicyStanding>;

export const MemberDetail = z
  .object({
    member: Member,
    serverName: z.string(),
    groups: z.array(z.object({ id: Id, externalId: z.string(), name: z.string() })),
    status: MemberStatus,
    deadline: Timestamp.nullable(),
    policies: z.array(MemberPolicyStanding).meta({ description: 'Every enabled policy, and where the member stands against it.' }),
    factors: z.array(Factor).meta({ description: 'Active factors, without secrets.' }),
    exemptions: z.array(Exemption).meta({ description: 'Exemptions that have not been revoked (including expired ones, marked inactive).' }),
    emergency: z.boolean().meta({ description: 'After "I lost my phone": only a recovery code or an e-mail code gets the member back in.' }),
  })
  .meta({ id: 'MemberDetail' });
export type MemberDetail = z.infer<typeof MemberDetail>;

export const MfaReset = z
  .object({ factorsRemoved: z.number().int(), devices: z.number().int(), appPasswords: z.number().int(), sessions: z.number().int() })
  .meta({ id: 'MfaReset' });
export type MfaReset = z.infer<typeof MfaReset>;

const MemberIds = z.array(Id).min(1).max(500).meta({ description: 'Up to 500 members.' });

export const BulkMembersRequest = z.strictObject({ memberIds: MemberIds }).meta({ id: 'BulkMembersRequest' });
export type BulkMembersRequest = z.infer<typeof BulkMembersRequest>;

export const BulkExemptRequest = z
  .strictObject({
    memberIds: MemberIds,
    policyId: Id.nullable().default(null).meta({ description: 'null: excused from every policy.' }),
    reason: text(500),
    expiresAt: z.iso.datetime().nullable().default(null),
  })
  .meta({ id: 'BulkExemptRequest' });
export type BulkExemptRequest = z.infer<typeof BulkExemptRequest>;

export const BulkResult = z
  .object({
    done: z.number().int().meta({ description: 'Members the action was applied to.' }),
    notFound: z.array(Id).meta({ description: 'Ids that are not members; nothing was done for them.' }),
  })
  .meta({ id: 'BulkResult' });
export type BulkResult = z.infer<typeof BulkResult>;
