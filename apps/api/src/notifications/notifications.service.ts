import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NotificationEventData, NotificationEventType, WebhookPayload } from '@latchkey/contracts';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { Db } from '../database/db';
import { AdminEntity, MemberEntity } from '../database/entities';
import { NotificationDeliveryEntity } from './notifications.entities';
import { NotificationsRepository } from './notifications.repository';
import { NotificationWorker } from './notification-worker';

/**
 * Owner notifications: `emit` records an event in the outbox, one delivery per channel subscribed to
 * it, and returns; the delivery worker does the network part later. Cheap enough for any path.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly repo: NotificationsRepository,
    private readonly worker: NotificationWorker,
  ) {}

  /**
   * Queues `type` for every enabled channel subscribed to it.
   *
   * Inside a `db.write` transaction, pass its manager: the deliveries then exist exactly when the change
   * they report was committed, and errors roll the change back. Without one it writes on its own, never
   * throws (a failed notice must not fail the act it reports) and need not be awaited:
   * `void this.notifications.emit('lockout', {...})`.
   */
  async emit<T extends NotificationEventType>(type: T, data: NotificationEventData[T], m?: EntityManager): Promise<void> {
    if (m) {
      await this.queue(m, type, data as object);
      this.worker.kick();
      return;
    }
    try {
      const queued = await this.db.write((tx) => this.queue(tx, type, data as object));
      if (queued) this.worker.kick();
    } catch (e) {
      this.logger.error(`Could not queue a ${type} notification: ${(e as Error).message}`);
    }
  }

  private async queue(m: EntityManager, type: string, data: object): Promise<number> {
    const channels = await this.repo.enabledChannelsFor(type, m);
    if (channels.length === 0) return 0;
    const now = this.clock.now();
    const payload: WebhookPayload = { id: newId(), type, createdAt: now.toISOString(), data: await this.withSummaries(m, data as Record<string, unknown>) };
    const body = JSON.stringify(payload);
    const rows = channels.map((c) =>
      Object.assign(new NotificationDeliveryEntity(), {
        id: newId(),
        channelId: c.id,
        eventId: payload.id,
        eventType: type,
        payload: body,
        status: 'pending' as const,
        attempts: 0,
        nextAttemptAt: now,
        claimedUntil: new Date(0),
        claimToken: null,
        lastStatus: null,
        lastError: null,
        createdAt: now,
        updatedAt: now,
        deliveredAt: null,
      }),
    );
    await this.repo.insertDeliveries(m, rows);
    return rows.length;
  }

  /** Adds who the ids name, so a receiver can show "Alice was locked out" without calling back. */
  private async withSummaries(m: EntityManager, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out = { ...data };
    if (typeof data['memberId'] === 'string') {
      const member = await m.findOneBy(MemberEntity, { id: data['memberId'] });
      if (member) out['member'] = { id: member.id, username: member.username, displayName: member.displayName, serverId: member.serverId };
    }
    if (typeof data['adminId'] === 'string') {
      const admin = await m.findOneBy(AdminEntity, { id: data['adminId'] });
      if (admin) out['admin'] = { id: admin.id, email: admin.email, displayName: admin.displayName };
    }
    return out;
  }
}
