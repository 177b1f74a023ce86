import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AdminRole } from '@latchkey/contracts';
import { IdColumn, TimestampColumn } from './columns';

/**
 * An invitation to join the admin team with a role: a single-use, expiring link whose token is kept
 * only as a SHA-256 hash. Spent by one conditional update when accepted; revoked by the owner or by a
 * newer invitation to the same address.
 */
@Entity('admin_invites')
@Index('ix_admin_invites_email', ['email'])
export class AdminInviteEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 320 }) email!: string;
  @Column({ type: 'varchar', length: 16 }) role!: AdminRole;
  @Index('ux_admin_invites_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  /** The owner who invited (no foreign key: the invitation outlives a removed owner in the audit trail). */
  @IdColumn('invited_by', { nullable: true }) invitedBy!: string | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('accepted_at', { nullable: true }) acceptedAt!: Date | null;
  @IdColumn('accepted_admin_id', { nullable: true }) acceptedAdminId!: string | null;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
}

/**
 * A settings section overridden from the console (`smtp`, `webauthn`, `device_trust`): JSON that wins
 * over the environment. Secrets inside (the SMTP password) are AEAD envelopes, never plain text.
 */
@Entity('app_settings')
export class AppSettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'text' }) value!: string;
  @TimestampColumn('updated_at') updatedAt!: Date;
  /** The admin who saved it (no foreign key: the row outlives a removed admin). */
  @IdColumn('updated_by', { nullable: true }) updatedBy!: string | null;
}

export const CONSOLE_ENTITIES = [AdminInviteEntity, AppSettingEntity];
