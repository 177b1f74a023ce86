import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { DeviceKind } from '@latchkey/contracts';
import { IdColumn, TimestampColumn } from './columns';
import { MemberEntity, ServerEntity } from './entities';

/**
 * A device a member's media server may let in without a challenge: a browser the member asked to remember,
 * or a TV/app they approved with its code. The token the server holds is an HMAC over this row's fields
 * (see DevicesService); the row is what revocation, expiry and rotation act on.
 */
@Entity('member_devices')
@Index('ix_member_devices_server_revoked', ['serverId', 'revokedAt'])
export class MemberDeviceEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_member_devices_member')
  @IdColumn('member_id')
  memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @IdColumn('server_id') serverId!: string;
  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: ServerEntity;
  /** The media server's id for the device (client-supplied, bound into the token). */
  @Column({ name: 'device_id', type: 'varchar', length: 200 }) deviceId!: string;
  @Column({ name: 'device_name', type: 'varchar', length: 200, nullable: true }) deviceName!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) client!: string | null;
  @Column({ type: 'varchar', length: 16 }) kind!: DeviceKind;
  /** Bumped at each use: only the current token (and the previous one, briefly) is accepted. */
  @Column({ type: 'integer' }) generation!: number;
  /** The member's credential version when trust was granted; a factor change raises the member's. */
  @Column({ name: 'credential_version', type: 'integer' }) credentialVersion!: number;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('verified_at') verifiedAt!: Date;
  @TimestampColumn('rotated_at', { nullable: true }) rotatedAt!: Date | null;
  @TimestampColumn('last_used_at', { nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'last_ip', type: 'varchar', length: 64, nullable: true }) lastIp!: string | null;
  /** null for paired devices: trusted until revoked. */
  @TimestampColumn('expires_at', { nullable: true }) expiresAt!: Date | null;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true }) revokedReason!: string | null;
}

/** A long random password a member gives an app that cannot show a code prompt. Only its HMAC is kept. */
@Entity('app_passwords')
export class AppPasswordEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_app_passwords_member')
  @IdColumn('member_id')
  memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Index('ux_app_passwords_secret_hash', { unique: true })
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;
  @Column({ type: 'varchar', length: 24 }) prefix!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('last_used_at', { nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'last_ip', type: 'varchar', length: 64, nullable: true }) lastIp!: string | null;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
}

export const DEVICE_ENTITIES = [MemberDeviceEntity, AppPasswordEntity];
