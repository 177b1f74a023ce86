import { z } from 'zod';
import { Id, Timestamp } from './common';

/**
 * Event types the audit log holds today. Filters accept any well-formed type (new ones appear as
 * Latchkey grows), and `prefix.*` for a family such as `factor.*`.
 */
export const AuditEventTypes = [
  'login.decision',
  'access.decision',
  'verification',
  'verification.replay',
  'email_code.send',
  'factor.added',
  'factor.confirm',
  'factor.rotated',
  'factor.removed',
  'recovery_codes.regenerated',
  'passkey.register',
  'passkey.verify',
  'passkey.counter_regression',
  'member_session.start',
  'admin.mfa_reset',
  'policy.created',
  'policy.updated',
  'policy.enabled',
  'policy.disabled',
  'policy.deleted',
  'exemption.created',
  'exemption.revoked',
  'reminder.sent',
  'reminder.failed',
  'reminder_settings.updated',
  'settings.email_updated',
  'settings.email_reset',
  'settings.email_tested',
  'settings.security_updated',
  'audit.exported',
  'audit.pruned',
  'audit.prune_refused',
] as const;

const TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/;

/** `login.decision`, or several separated by commas; `factor.*` matches a family. */
const TypeFilter = z
  .string()
  .max(500)
  .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(64).regex(TYPE, 'must be an event type such as login.decision, or a family such as factor.*')).min(1).max(20))
  .meta({ description: 'Event type(s), comma-separated; `factor.*` matches every `factor.…` type.', examples: ['login.decision', 'factor.*,recovery_codes.regenerated'] });

const AuditFilterFields = {
  memberId: Id.optional(),
  serverId: Id.optional().meta({ description: "Events about this server's members." }),
  type: TypeFilter.optional(),
  outcome: z
    .string()
    .max(16)
    .regex(/^[a-z_]+$/, 'must be an outcome such as success, failure, allow or challenge')
    .optional()
    .meta({ description: 'success, failure, denied, info, or a decision (allow, allow_in_grace, challenge, enrol_required, deny).' }),
  from: Timestamp.optional().meta({ description: 'Events at or after this time.' }),
  to: Timestamp.optional().meta({ description: 'Events before this time.' }),
};

export const AuditQuery = z.strictObject({
  ...AuditFilterFields,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional().meta({ description: '`nextCursor` of the previous page. Pages stay stable while new events arrive.' }),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
export type AuditFilter = Omit<AuditQuery, 'limit' | 'cursor'>;

export const AuditExportQuery = z.strictObject({
  ...AuditFilterFields,
  format: z.enum(['csv', 'json']).default('csv'),
});
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

export const AuditEvent = z
  .object({
    id: Id,
    seq: z.number().int().meta({ description: 'Position in the hash chain.' }),
    at: Timestamp,
    type: z.string(),
    outcome: z.string(),
    memberId: Id.nullable(),
    memberUsername: z.string().nullable(),
    serverId: Id.nullable(),
    adminId: Id.nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditPage = z
  .object({ items: z.array(AuditEvent).meta({ description: 'Newest first.' }), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditPage' });
export type AuditPage = z.infer<typeof AuditPage>;
