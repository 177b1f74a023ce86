import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { NotificationChannelKind } from '@latchkey/contracts';
import { IdColumn, jsonList, TimestampColumn } from '../database/columns';

/** Where the owner wants to hear about events: an e-mail address, a webhook, an ntfy topic, a Gotify app. */
@Entity('notification_channels')
export class NotificationChannelEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: NotificationChannelKind;
  /** Event types it receives (JSON list). */
  @Column({ type: 'text', transformer: jsonList }) events!: string[];
  @Column({ type: 'boolean' }) enabled!: boolean;
  /** What is not secret, as JSON: `to`, `url`, `serverUrl`, `topic`. */
  @Column({ type: 'text' }) config!: string;
  /** Webhook signing secret, ntfy or Gotify token: an AEAD envelope bound to the channel id. */
  @Column({ type: 'text', nullable: true }) secret!: string | null;
  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true }) createdBy!: string | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('updated_at') updatedAt!: Date;
}

/**
 * The outbox: one row per event and channel, written when the event happens (in the same transaction
 * when the caller has one) and sent by the delivery worker. A worker claims a row by moving
 * `claimed_until` forward with a conditional UPDATE, so several workers never send the same row at once.
 */
@Entity('notification_deliveries')
@Index('ix_notification_deliveries_due', ['status', 'nextAttemptAt'])
export class NotificationDeliveryEntity {
  /** Also the `Latchkey-Delivery` header. */
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_notification_deliveries_channel')
  @IdColumn('channel_id')
  channelId!: string;
  @ManyToOne(() => NotificationChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: NotificationChannelEntity;
  @IdColumn('event_id') eventId!: string;
  @Column({ name: 'event_type', type: 'varchar', length: 64 }) eventType!: string;
  /** The JSON body, fixed when the event happened: every attempt sends the same bytes. */
  @Column({ type: 'text' }) payload!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'pending' | 'delivered' | 'failed';
  @Column({ type: 'integer' }) attempts!: number;
  @TimestampColumn('next_attempt_at') nextAttemptAt!: Date;
  /** A worker holds the row until then (epoch 0: nobody). */
  @TimestampColumn('claimed_until') claimedUntil!: Date;
  @Column({ name: 'claim_token', type: 'varchar', length: 36, nullable: true }) claimToken!: string | null;
  @Column({ name: 'last_status', type: 'integer', nullable: true }) lastStatus!: number | null;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('updated_at') updatedAt!: Date;
  @TimestampColumn('delivered_at', { nullable: true }) deliveredAt!: Date | null;
}

export const NOTIFICATION_ENTITIES = [NotificationChannelEntity, NotificationDeliveryEntity];
