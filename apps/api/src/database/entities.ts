import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { IdColumn, TimestampColumn } from './columns';
import type { AdminRole, ServerKind } from '@latchkey/contracts';

/** Facts about this installation, e.g. the fingerprints of the keys the database was initialised with. */
@Entity('system_settings')
export class SystemSetting {
  @PrimaryColumn({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'text' }) value!: string;
  @TimestampColumn('created_at') createdAt!: Date;
}

@Entity('servers')
export class ServerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: ServerKind;
  @Column({ name: 'base_url', type: 'varchar', length: 2048 }) baseUrl!: string;
  /** SHA-256 of the API key; null when the key was revoked. */
  @Index('ux_servers_api_key_hash', { unique: true })
  @Column({ name: 'api_key_hash', type: 'varchar', length: 64, nullable: true })
  apiKeyHash!: string | null;
  @Column({ name: 'api_key_prefix', type: 'varchar', length: 24, nullable: true }) apiKeyPrefix!: string | null;
  @TimestampColumn('api_key_created_at', { nullable: true }) apiKeyCreatedAt!: Date | null;
  @TimestampColumn('api_key_last_used_at', { nullable: true }) apiKeyLastUsedAt!: Date | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('updated_at') updatedAt!: Date;
}

@Entity('admins')
export class AdminEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ux_admins_email', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email!: string;
  @Column({ name: 'display_name', type: 'varchar', length: 100 }) displayName!: string;
  @Column({ name: 'password_hash', type: 'text' }) passwordHash!: string;
  @Column({ type: 'varchar', length: 16 }) role!: AdminRole;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('last_login_at', { nullable: true }) lastLoginAt!: Date | null;
}

@Entity('admin_sessions')
export class AdminSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_admin_sessions_admin')
  @IdColumn('admin_id')
  adminId!: string;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  @Index('ux_admin_sessions_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('last_seen_at') lastSeenAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip!: string | null;
  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true }) userAgent!: string | null;
}

@Entity('admin_tokens')
export class AdminTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_admin_tokens_admin')
  @IdColumn('admin_id')
  adminId!: string;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Index('ux_admin_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @Column({ type: 'varchar', length: 24 }) prefix!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('last_used_at', { nullable: true }) lastUsedAt!: Date | null;
  @TimestampColumn('expires_at', { nullable: true }) expiresAt!: Date | null;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
}

@Entity('setup_tokens')
export class SetupTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ux_setup_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('used_at', { nullable: true }) usedAt!: Date | null;
}

/** Fields shared by everything synced from a media server's directory. */
abstract class DirectoryEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @IdColumn('server_id') serverId!: string;
  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: ServerEntity;
  @Column({ name: 'external_id', type: 'varchar', length: 200 }) externalId!: string;
  /** First time the media server told us about it. Never reset, even after removal and re-appearance. */
  @TimestampColumn('first_seen_at') firstSeenAt!: Date;
  @TimestampColumn('updated_at') updatedAt!: Date;
  /** Set when a full sync no longer lists it; cleared when it re-appears. Rows are never deleted. */
  @TimestampColumn('removed_at', { nullable: true }) removedAt!: Date | null;
}

@Entity('members')
@Index('ux_members_server_external', ['serverId', 'externalId'], { unique: true })
@Index('ix_members_server_username', ['serverId', 'username'])
export class MemberEntity extends DirectoryEntry {
  @Column({ type: 'varchar', length: 200 }) username!: string;
  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true }) displayName!: string | null;
  @Column({ type: 'varchar', length: 320, nullable: true }) email!: string | null;
}

@Entity('directory_groups')
@Index('ux_directory_groups_server_external', ['serverId', 'externalId'], { unique: true })
export class GroupEntity extends DirectoryEntry {
  @Column({ type: 'varchar', length: 200 }) name!: string;
}

@Entity('directory_libraries')
@Index('ux_directory_libraries_server_external', ['serverId', 'externalId'], { unique: true })
export class LibraryEntity extends DirectoryEntry {
  @Column({ type: 'varchar', length: 200 }) name!: string;
}

@Entity('member_groups')
@Index('ix_member_groups_group', ['groupId'])
export class MemberGroupEntity {
  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 36 }) memberId!: string;
  @PrimaryColumn({ name: 'group_id', type: 'varchar', length: 36 }) groupId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: GroupEntity;
}

export const ENTITIES = [
  SystemSetting,
  ServerEntity,
  AdminEntity,
  AdminSessionEntity,
  AdminTokenEntity,
  SetupTokenEntity,
  MemberEntity,
  GroupEntity,
  LibraryEntity,
  MemberGroupEntity,
];
