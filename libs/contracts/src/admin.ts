import { z } from 'zod';
import { Id, Timestamp, text } from './common';
import { AdminRoles } from './permissions';

export const Password = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256)
  .meta({ description: 'At least 12 characters.' });

export const SetupStatus = z
  .object({ ownerExists: z.boolean() })
  .meta({ id: 'SetupStatus' });
export type SetupStatus = z.infer<typeof SetupStatus>;

export const CompleteSetupRequest = z
  .strictObject({
    token: z.string().min(10).max(200),
    email: z.email().max(320),
    displayName: text(100),
    password: Password,
  })
  .meta({ id: 'CompleteSetupRequest' });
export type CompleteSetupRequest = z.infer<typeof CompleteSetupRequest>;

export const LoginRequest = z
  .strictObject({ email: z.email().max(320), password: z.string().min(1).max(256) })
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const Admin = z
  .object({ id: Id, email: z.string(), displayName: z.string(), role: z.enum(AdminRoles), createdAt: Timestamp })
  .meta({ id: 'Admin' });
export type Admin = z.infer<typeof Admin>;

export const AdminSession = z
  .object({
    admin: Admin,
    csrfToken: z.string().meta({ description: 'Send as the X-CSRF-Token header on every state-changing request.' }),
    expiresAt: Timestamp,
    mfa: z.enum(['verified', 'required', 'enrol_required']).meta({
      description: '`verified`: the console is open. `required`: answer a challenge with a second factor. `enrol_required`: set up a second factor first.',
    }),
  })
  .meta({ id: 'AdminSession' });
export type AdminSession = z.infer<typeof AdminSession>;

export const CreateAdminTokenRequest = z
  .strictObject({ name: text(100), expiresInDays: z.number().int().min(1).max(3650).optional() })
  .meta({ id: 'CreateAdminTokenRequest' });
export type CreateAdminTokenRequest = z.infer<typeof CreateAdminTokenRequest>;

export const AdminToken = z
  .object({
    id: Id,
    name: z.string(),
    prefix: z.string(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    expiresAt: Timestamp.nullable(),
  })
  .meta({ id: 'AdminToken' });
export type AdminToken = z.infer<typeof AdminToken>;

export const AdminTokenList = z.object({ items: z.array(AdminToken) }).meta({ id: 'AdminTokenList' });
export type AdminTokenList = z.infer<typeof AdminTokenList>;

export const AdminTokenCreated = z
  .object({ token: AdminToken, secret: z.string().meta({ description: 'Shown only in this response.' }) })
  .meta({ id: 'AdminTokenCreated' });
export type AdminTokenCreated = z.infer<typeof AdminTokenCreated>;

export const TokenIdParams = z.strictObject({ tokenId: Id });
export type TokenIdParams = z.infer<typeof TokenIdParams>;
