import { z } from 'zod';
import { Password } from './admin';
import { Id, Timestamp, text } from './common';
import { AdminRoles } from './permissions';

/** The admin team: further admins are invited by an owner with a role, through a single-use link. */
export const AdminRoleSchema = z.enum(AdminRoles).meta({ description: '`owner`: everything, including the admin team. `admin`: everything but the admin team. `viewer`: read only.' });

export const InviteAdminRequest = z
  .strictObject({ email: z.email().max(320), role: AdminRoleSchema })
  .meta({ id: 'InviteAdminRequest' });
export type InviteAdminRequest = z.infer<typeof InviteAdminRequest>;

export const AdminInvite = z
  .object({
    id: Id,
    email: z.string(),
    role: AdminRoleSchema,
    invitedBy: Id.nullable(),
    createdAt: Timestamp,
    expiresAt: Timestamp,
  })
  .meta({ id: 'AdminInvite' });
export type AdminInvite = z.infer<typeof AdminInvite>;

export const AdminInviteCreated = z
  .object({
    invite: AdminInvite,
    url: z.string().meta({ description: 'The invitation link, shown only in this response (Latchkey keeps a hash). Single use; send it to the person yourself.' }),
  })
  .meta({ id: 'AdminInviteCreated' });
export type AdminInviteCreated = z.infer<typeof AdminInviteCreated>;

export const TeamAdmin = z
  .object({
    id: Id,
    email: z.string(),
    displayName: z.string(),
    role: AdminRoleSchema,
    createdAt: Timestamp,
    lastLoginAt: Timestamp.nullable(),
    secondFactor: z.boolean().meta({ description: 'Has set up an authenticator app or a passkey.' }),
  })
  .meta({ id: 'TeamAdmin' });
export type TeamAdmin = z.infer<typeof TeamAdmin>;

export const AdminTeam = z
  .object({ admins: z.array(TeamAdmin), invites: z.array(AdminInvite).meta({ description: 'Pending invitations (not used, revoked or expired).' }) })
  .meta({ id: 'AdminTeam' });
export type AdminTeam = z.infer<typeof AdminTeam>;

export const UpdateAdminRequest = z.strictObject({ role: AdminRoleSchema }).meta({ id: 'UpdateAdminRequest' });
export type UpdateAdminRequest = z.infer<typeof UpdateAdminRequest>;

export const AdminIdParams = z.strictObject({ adminId: Id });
export type AdminIdParams = z.infer<typeof AdminIdParams>;
export const InviteIdParams = z.strictObject({ inviteId: Id });
export type InviteIdParams = z.infer<typeof InviteIdParams>;

export const AcceptInviteRequest = z
  .strictObject({ token: z.string().min(10).max(200), displayName: text(100), password: Password })
  .meta({ id: 'AcceptInviteRequest' });
export type AcceptInviteRequest = z.infer<typeof AcceptInviteRequest>;
