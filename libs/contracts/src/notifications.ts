import { z } from 'zod';
import { Id, Timestamp, text } from './common';

/**
 * Events an owner can be notified of. To add one: append its name here, describe its data in
 * `NotificationEventData`, and emit it with `NotificationsService.emit` where it happens (e.g.
 * `challenge.completed`, `device.revoked`). Existing subscriptions only get the types they chose.
 */
export const NotificationEventTypes = ['lockout', 'device.paired', 'recovery_code.used', 'member.overdue', 'policy.changed'] as const;
export const NotificationEventType = z.enum(NotificationEventTypes).meta({ id: 'NotificationEventType' });
export type NotificationEventType = z.infer<typeof NotificationEventType>;

/**
 * What each event carries in `data`, as emitted. Latchkey adds a `member` summary
 * (`{ id, username, displayName, serverId }`) when the data names a `memberId`, and an `admin` summary
 * (`{ id, email, displayName }`) when it names an `adminId`.
 */
export interface NotificationEventData {
  /** Too many failed verifications: the member (or admin) is locked out until `lockedUntil`. */
  lockout: { memberId?: string; adminId?: string; ip: string | null; lockedUntil: string };
  /** A TV or native app was paired to a member. */
  'device.paired': { memberId: string; deviceId: string; deviceName: string | null };
  /** A recovery code was spent to pass a verification. */
  'recovery_code.used': { memberId?: string; adminId?: string; ip: string | null; remaining: number };
  /** A member's grace period ended before they set up MFA. */
  'member.overdue': { memberId: string; policyId: string; policyName: string; deadline: string };
  /** A policy was created, changed, enabled, disabled or deleted (by `adminId`). */
  'policy.changed': { policyId: string; policyName: string; change: 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted'; adminId: string | null };
}

/** The JSON body of every webhook; `id` is the event's id (the same across channels and retries). */
export interface WebhookPayload<T extends string = string> {
  id: string;
  type: T;
  createdAt: string;
  data: Record<string, unknown>;
}

export const NotificationChannelKinds = ['email', 'webhook', 'ntfy', 'gotify'] as const;
export const NotificationChannelKind = z.enum(NotificationChannelKinds);
export type NotificationChannelKind = z.infer<typeof NotificationChannelKind>;

/** An http(s) URL without credentials in it (tokens have their own fields and are stored encrypted). */
const HttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: 'must not contain a user name or password (use the token field)' },
  );

const Events = z
  .array(NotificationEventType)
  .min(1)
  .max(NotificationEventTypes.length)
  .transform((list) => [...new Set(list)])
  .meta({ description: 'Event types this channel receives.' });

const Topic = z.string().trim().regex(/^[-_A-Za-z0-9]{1,64}$/, 'must be 1-64 letters, digits, - or _');
const Token = z.string().trim().min(1).max(500);

const common = { name: text(100), events: Events, enabled: z.boolean().default(true) };

export const CreateNotificationChannelRequest = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('email'), ...common, to: z.email().max(320).meta({ description: 'Address the notices go to.' }) }),
    z.strictObject({ kind: z.literal('webhook'), ...common, url: HttpUrl.meta({ description: 'Receives signed POSTs (see Latchkey-Signature).' }) }),
    z.strictObject({
      kind: z.literal('ntfy'),
      ...common,
      serverUrl: HttpUrl.default('https://ntfy.sh'),
      topic: Topic,
      token: Token.optional().meta({ description: 'Access token for a protected topic (stored encrypted, never shown again).' }),
    }),
    z.strictObject({ kind: z.literal('gotify'), ...common, serverUrl: HttpUrl, token: Token.meta({ description: 'Gotify application token (stored encrypted, never shown again).' }) }),
  ])
  .meta({ id: 'CreateNotificationChannelRequest' });
export type CreateNotificationChannelRequest = z.infer<typeof CreateNotificationChannelRequest>;

export const UpdateNotificationChannelRequest = z
  .strictObject({
    name: text(100).optional(),
    events: Events.optional(),
    enabled: z.boolean().optional(),
    to: z.email().max(320).optional().meta({ description: 'E-mail channels only.' }),
    url: HttpUrl.optional().meta({ description: 'Webhooks only.' }),
    serverUrl: HttpUrl.optional().meta({ description: 'ntfy and Gotify only.' }),
    topic: Topic.optional().meta({ description: 'ntfy only.' }),
    token: Token.nullable().optional().meta({ description: 'ntfy (null removes it) and Gotify only.' }),
    rotateSecret: z.boolean().optional().meta({ description: 'Webhooks only: a new signing secret, shown once; the old one stops working.' }),
  })
  .meta({ id: 'UpdateNotificationChannelRequest' });
export type UpdateNotificationChannelRequest = z.infer<typeof UpdateNotificationChannelRequest>;

export const NotificationChannel = z
  .object({
    id: Id,
    name: z.string(),
    kind: NotificationChannelKind,
    events: z.array(NotificationEventType),
    enabled: z.boolean(),
    to: z.string().optional(),
    url: z.string().optional(),
    serverUrl: z.string().optional(),
    topic: z.string().optional(),
    hasToken: z.boolean().meta({ description: 'Whether a token or signing secret is stored (never returned).' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'NotificationChannel' });
export type NotificationChannel = z.infer<typeof NotificationChannel>;

export const NotificationChannelSaved = z
  .object({
    channel: NotificationChannel,
    secret: z.string().optional().meta({ description: 'Webhooks: the signing secret, shown this once (on creation and rotation).' }),
  })
  .meta({ id: 'NotificationChannelSaved' });
export type NotificationChannelSaved = z.infer<typeof NotificationChannelSaved>;

export const NotificationChannelList = z.object({ items: z.array(NotificationChannel) }).meta({ id: 'NotificationChannelList' });
export type NotificationChannelList = z.infer<typeof NotificationChannelList>;

export const NotificationChannelIdParams = z.strictObject({ channelId: Id });
export type NotificationChannelIdParams = z.infer<typeof NotificationChannelIdParams>;

export const NotificationTestResult = z
  .object({
    ok: z.boolean(),
    status: z.number().int().nullable().meta({ description: 'HTTP status of the last response, for webhooks, ntfy and Gotify.' }),
    error: z.string().nullable(),
  })
  .meta({ id: 'NotificationTestResult' });
export type NotificationTestResult = z.infer<typeof NotificationTestResult>;

export const NotificationDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;

export const NotificationDelivery = z
  .object({
    id: Id,
    channelId: Id,
    eventId: Id,
    eventType: z.string(),
    status: z.enum(NotificationDeliveryStatuses),
    attempts: z.number().int(),
    nextAttemptAt: Timestamp.nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: Timestamp,
    deliveredAt: Timestamp.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

export const NotificationDeliveryQuery = z.strictObject({
  channelId: Id.optional(),
  status: z.enum(NotificationDeliveryStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type NotificationDeliveryQuery = z.infer<typeof NotificationDeliveryQuery>;

export const NotificationDeliveryList = z.object({ items: z.array(NotificationDelivery) }).meta({ id: 'NotificationDeliveryList' });
export type NotificationDeliveryList = z.infer<typeof NotificationDeliveryList>;
