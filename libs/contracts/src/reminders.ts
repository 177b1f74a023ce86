import { z } from 'zod';
import { Id, Timestamp, text } from './common';

/** Several lines of text a person typed: bounded, line breaks allowed, no other control characters. */
const multilineText = (max: number) =>
  z
    .string()
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1)
        .max(max)
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        .refine((s) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(s), { message: 'must not contain control characters other than line breaks' }),
    );

export const ReminderSettings = z
  .object({
    enabled: z.boolean().meta({ description: 'Send reminders on the schedule (sending one now works either way).' }),
    senderName: z.string().nullable().meta({ description: 'Who the reminders say requires MFA; null = the owner account’s name.' }),
    effectiveSenderName: z.string(),
    message: z.string().nullable().meta({ description: 'Your words, quoted in every reminder.' }),
    reminderDays: z.array(z.number().int()).meta({ description: 'Days before the deadline a reminder goes out (0 = the day it passes); LATCHKEY_REMINDER_DAYS.' }),
    updatedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ReminderSettings' });
export type ReminderSettings = z.infer<typeof ReminderSettings>;

export const UpdateReminderSettingsRequest = z
  .strictObject({
    enabled: z.boolean(),
    senderName: text(100).nullable(),
    message: multilineText(2000).nullable(),
  })
  .meta({ id: 'UpdateReminderSettingsRequest' });
export type UpdateReminderSettingsRequest = z.infer<typeof UpdateReminderSettingsRequest>;

export const SendRemindersRequest = z
  .strictObject({ memberIds: z.array(Id).min(1).max(100) })
  .meta({ id: 'SendRemindersRequest' });
export type SendRemindersRequest = z.infer<typeof SendRemindersRequest>;

export const ReminderSkipReason = z.enum(['not_found', 'no_email', 'not_required', 'email_unavailable']);
export type ReminderSkipReason = z.infer<typeof ReminderSkipReason>;

export const SendRemindersResult = z
  .object({
    results: z.array(
      z.object({
        memberId: Id,
        status: z.enum(['sent', 'failed', 'skipped']),
        reason: ReminderSkipReason.nullable().meta({
          description: '`not_required`: compliant, exempt or under no policy. `no_email`: no address known. `email_unavailable`: no SMTP server configured.',
        }),
      }),
    ),
  })
  .meta({ id: 'SendRemindersResult' });
export type SendRemindersResult = z.infer<typeof SendRemindersResult>;

export const UnreachableMembers = z
  .object({
    items: z.array(
      z.object({
        memberId: Id,
        serverId: Id,
        username: z.string(),
        displayName: z.string().nullable(),
        policyId: Id,
        deadline: Timestamp,
        overdue: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'UnreachableMembers', description: 'Members who must still enrol but whom no reminder can reach: no e-mail address is known.' });
export type UnreachableMembers = z.infer<typeof UnreachableMembers>;
