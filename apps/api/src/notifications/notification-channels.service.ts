import { Injectable } from '@nestjs/common';
import type {
  CreateNotificationChannelRequest,
  NotificationChannel,
  NotificationChannelSaved,
  NotificationDelivery,
  NotificationDeliveryQuery,
  NotificationEventType,
  NotificationTestResult,
  UpdateNotificationChannelRequest,
  WebhookPayload,
} from '@latchkey/contracts';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { CryptoService } from '../crypto/crypto.service';
import { randomToken } from '../crypto/primitives';
import { Db } from '../database/db';
import { MailerService } from './mailer.service';
import { ChannelConfig, channelSecretContext, NotificationSender } from './notification-sender';
import { NotificationChannelEntity, NotificationDeliveryEntity } from './notifications.entities';
import { NotificationsRepository } from './notifications.repository';
import { OutboundHttp, OutboundRefused } from './outbound/outbound-http';

/** Which update fields each kind of channel has. */
const KIND_FIELDS: Record<NotificationChannel['kind'], (keyof UpdateNotificationChannelRequest)[]> = {
  email: ['to'],
  webhook: ['url', 'rotateSecret'],
  ntfy: ['serverUrl', 'topic', 'token'],
  gotify: ['serverUrl', 'token'],
};
const SHARED_FIELDS: (keyof UpdateNotificationChannelRequest)[] = ['name', 'events', 'enabled'];

/** The owner's notification channels: create, change, remove, test. Secrets are stored encrypted and never returned. */
@Injectable()
export class NotificationChannelsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly repo: NotificationsRepository,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
    private readonly http: OutboundHttp,
    private readonly sender: NotificationSender,
  ) {}

  async list(): Promise<NotificationChannel[]> {
    return (await this.repo.listChannels()).map(toChannel);
  }

  async get(id: string): Promise<NotificationChannel> {
    return toChannel(await this.require(id));
  }

  async create(input: CreateNotificationChannelRequest, adminId: string): Promise<NotificationChannelSaved> {
    const now = this.clock.now();
    const id = newId();
    let config: ChannelConfig;
    let secret: string | null = null;
    switch (input.kind) {
      case 'email':
        await this.requireMail();
        config = { to: input.to };
        break;
      case 'webhook':
        config = { url: input.url };
        secret = `whsec_${randomToken(32)}`;
        break;
      case 'ntfy':
        config = { serverUrl: input.serverUrl, topic: input.topic };
        secret = input.token ?? null;
        break;
      case 'gotify':
        config = { serverUrl: input.serverUrl };
        secret = input.token;
        break;
    }
    await this.vet(config);
    const row = Object.assign(new NotificationChannelEntity(), {
      id,
      name: input.name,
      kind: input.kind,
      events: input.events,
      enabled: input.enabled,
      config: JSON.stringify(config),
      secret: secret === null ? null : this.crypto.encrypt(secret, channelSecretContext(id)),
      createdBy: adminId,
      createdAt: now,
      updatedAt: now,
    });
    await this.db.write(async (m) => {
      await m.insert(NotificationChannelEntity, row);
      await this.audit.record({ type: 'notification_channel.created', outcome: 'success', adminId, details: describe(row) }, m);
    });
    return { channel: toChannel(row), ...(input.kind === 'webhook' && secret ? { secret } : {}) };
  }

  async update(id: string, input: UpdateNotificationChannelRequest, adminId: string): Promise<NotificationChannelSaved> {
    const before = await this.require(id);
    const allowed = [...SHARED_FIELDS, ...KIND_FIELDS[before.kind]];
    const foreign = (Object.keys(input) as (keyof UpdateNotificationChannelRequest)[]).filter((k) => input[k] !== undefined && !allowed.includes(k));
    if (foreign.length) throw AppException.validation(foreign.map((k) => ({ path: k, message: `does not apply to ${before.kind} channels` })));
    if (before.kind === 'gotify' && input.token === null) throw AppException.validation([{ path: 'token', message: 'Gotify needs an application token' }]);
    if (input.to !== undefined) await this.requireMail();

    const config: ChannelConfig = { ...(JSON.parse(before.config) as ChannelConfig) };
    if (input.to !== undefined) config.to = input.to;
    if (input.url !== undefined) config.url = input.url;
    if (input.serverUrl !== undefined) config.serverUrl = input.serverUrl;
    if (input.topic !== undefined) config.topic = input.topic;
    if (input.url !== undefined || input.serverUrl !== undefined) await this.vet(config);

    let shownSecret: string | undefined;
    let secret = before.secret;
    if (input.rotateSecret) {
      shownSecret = `whsec_${randomToken(32)}`;
      secret = this.crypto.encrypt(shownSecret, channelSecretContext(id));
    } else if (input.token !== undefined) {
      secret = input.token === null ? null : this.crypto.encrypt(input.token, channelSecretContext(id));
    }
    const after = Object.assign(new NotificationChannelEntity(), before, {
      name: input.name ?? before.name,
      events: input.events ?? before.events,
      enabled: input.enabled ?? before.enabled,
      config: JSON.stringify(config),
      secret,
      updatedAt: this.clock.now(),
    });
    await this.db.write(async (m) => {
      await m.update(NotificationChannelEntity, { id }, { name: after.name, events: after.events, enabled: after.enabled, config: after.config, secret: after.secret, updatedAt: after.updatedAt });
      const changed = Object.keys(input).filter((k) => input[k as keyof UpdateNotificationChannelRequest] !== undefined);
      await this.audit.record({ type: 'notification_channel.updated', outcome: 'success', adminId, details: { ...describe(after), changed } }, m);
    });
    return { channel: toChannel(after), ...(shownSecret ? { secret: shownSecret } : {}) };
  }

  async remove(id: string, adminId: string): Promise<void> {
    const row = await this.require(id);
    await this.db.write(async (m) => {
      await m.delete(NotificationChannelEntity, { id });
      await this.audit.record({ type: 'notification_channel.deleted', outcome: 'success', adminId, details: describe(row) }, m);
    });
  }

  /** Sends a `test` event to the channel now (not through the outbox) and says how it went. */
  async test(id: string, adminId: string): Promise<NotificationTestResult> {
    const channel = await this.require(id);
    const payload: WebhookPayload<'test'> = { id: newId(), type: 'test', createdAt: iso(this.clock.now()), data: { channelId: id } };
    const result = await this.sender.send(channel, newId(), JSON.stringify(payload));
    await this.audit.record({
      type: 'notification.test',
      outcome: result.ok ? 'success' : result.refused ? 'denied' : 'failure',
      adminId,
      details: { ...describe(channel), status: result.status, error: result.error },
    });
    return { ok: result.ok, status: result.status, error: result.error };
  }

  async deliveries(q: NotificationDeliveryQuery): Promise<NotificationDelivery[]> {
    return (await this.repo.listDeliveries(q)).map(toDelivery);
  }

  private async require(id: string): Promise<NotificationChannelEntity> {
    const row = await this.repo.findChannel(id);
    if (!row) throw AppException.notFound('channel_not_found');
    return row;
  }

  private async requireMail(): Promise<void> {
    if (!(await this.mailer.isAvailable())) throw new AppException(400, 'channel_unavailable', 'E-mail channels need a mail server: set one in Settings or with LATCHKEY_SMTP_HOST.');
  }

  /** Early feedback: a URL whose target is refused is not saved (every delivery checks again). */
  private async vet(config: ChannelConfig): Promise<void> {
    const [field, url] = config.url !== undefined ? ['url', config.url] : ['serverUrl', config.serverUrl];
    if (url === undefined) return;
    try {
      await this.http.vet(url);
    } catch (e) {
      if (e instanceof OutboundRefused) throw new AppException(400, 'target_refused', `Latchkey does not send to this address: ${e.message}. Allow-list it with LATCHKEY_WEBHOOK_ALLOW_HOSTS if you mean it.`, { field });
      // Not resolvable right now is no reason to refuse: deliveries retry, and say why they fail.
    }
  }
}

function toChannel(c: NotificationChannelEntity): NotificationChannel {
  const config = JSON.parse(c.config) as ChannelConfig;
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    events: c.events as NotificationEventType[],
    enabled: c.enabled,
    ...config,
    hasToken: c.secret !== null,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** For the audit log: what the channel is, without its address (a webhook URL can itself be a secret). */
function describe(c: NotificationChannelEntity): Record<string, unknown> {
  return { channelId: c.id, name: c.name, kind: c.kind, events: c.events, enabled: c.enabled };
}

function toDelivery(d: NotificationDeliveryEntity): NotificationDelivery {
  return {
    id: d.id,
    channelId: d.channelId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    deliveredAt: isoOrNull(d.deliveredAt),
  };
}
