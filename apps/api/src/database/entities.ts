import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { NOTIFICATION_ENTITIES } from '../notifications/notifications.entities';
import { IdColumn, intBool, jsonList, TimestampColumn } from './columns';
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
  /** Proxies in front of this server's clients whose X-Forwarded-For the server may pass on (JSON list). */
  @Column({ name: 'trusted_proxies', type: 'text', nullable: true }) trustedProxies!: string | null;
  /** Host names (optionally host:port) a reverse proxy protects with forward-auth for this server (JSON list). */
  @Column({ name: 'forward_auth_hosts', type: 'text', nullable: true }) forwardAuthHosts!: string | null;
  /** Origins of the server's web clients besides its base URL's, that a login's return URL may lead to (JSON list). */
  @Column({ name: 'web_origins', type: 'text', nullable: true }) webOrigins!: string | null;
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

/** What admin and member sessions share: a hashed token, idle and absolute expiry, revocation. */
abstract class SessionColumns {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** SHA-256 of the cookie value; the value itself is never stored. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('last_seen_at') lastSeenAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip!: string | null;
  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true }) userAgent!: string | null;
}

@Entity('admin_sessions')
@Index('ux_admin_sessions_token_hash', ['tokenHash'], { unique: true })
export class AdminSessionEntity extends SessionColumns {
  @Index('ix_admin_sessions_admin')
  @IdColumn('admin_id')
  adminId!: string;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  /** When this session passed its second factor; null while only the password was checked. */
  @TimestampColumn('mfa_verified_at', { nullable: true }) mfaVerifiedAt!: Date | null;
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
@Index('ix_members_list_username', ['username', 'id', 'firstSeenAt', 'removedAt', 'serverId', 'factorMask', 'searchText'])
@Index('ix_members_list_first_seen', ['firstSeenAt', 'id', 'username', 'removedAt', 'serverId', 'factorMask', 'searchText'])
// PostgreSQL only, made by the members-search migration (trigram GIN; partial): not TypeORM's to compare.
@Index('ix_members_search_trgm', { synchronize: false })
@Index('ix_members_passkey_username', { synchronize: false })
@Index('ix_members_passkey_first_seen', { synchronize: false })
@Index('ix_members_email_username', { synchronize: false })
@Index('ix_members_email_first_seen', { synchronize: false })
export class MemberEntity extends DirectoryEntry {
  @Column({ type: 'varchar', length: 200 }) username!: string;
  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true }) displayName!: string | null;
  @Column({ type: 'varchar', length: 320, nullable: true }) email!: string | null;
  /** Raised when the member's factors change or they sign out everywhere: older device trust stops counting. */
  @Column({ name: 'credential_version', type: 'integer', default: 0 }) credentialVersion!: number;
  /** Set by "I lost my phone": until cleared, only a recovery code or an e-mail code answers a challenge. */
  @TimestampColumn('emergency_at', { nullable: true }) emergencyAt!: Date | null;
  /** Kinds of active factors as bits (totp 1, email 2, passkey 4, recovery codes 8), kept by triggers on `factors`. */
  @Column({ name: 'factor_mask', type: 'integer', default: 0, insert: false, update: false }) factorMask!: number;
  /** Lower-cased "username display name e-mail" for the console's search (see directory/search-text.ts). */
  @Column({ name: 'search_text', type: 'varchar', length: 300, default: '' }) searchText!: string;
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
@Index('ix_member_groups_group_member', { synchronize: false }) // PostgreSQL only (members-search migration)
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


/**
 * A second factor of a member (or of an admin: admins use the same factors). Exactly one of
 * memberId / adminId is set.
 */
@Entity('factors')
export class FactorEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_factors_member')
  @IdColumn('member_id', { nullable: true })
  memberId!: string | null;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @Index('ix_factors_admin')
  @IdColumn('admin_id', { nullable: true })
  adminId!: string | null;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  @Column({ type: 'varchar', length: 16 }) kind!: 'totp' | 'recovery_codes' | 'email' | 'passkey';
  @Column({ type: 'varchar', length: 16 }) status!: 'pending' | 'active';
  @Column({ type: 'varchar', length: 100, nullable: true }) label!: string | null;
  /** TOTP: the AEAD envelope of the secret. Passkey: the COSE public key (base64url). */
  @Column({ type: 'text', nullable: true }) secret!: string | null;
  @Column({ type: 'varchar', length: 320, nullable: true }) email!: string | null;
  @Index('ux_factors_credential_id', { unique: true })
  @Column({ name: 'credential_id', type: 'varchar', length: 512, nullable: true })
  credentialId!: string | null;
  @Column({ name: 'sign_count', type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  signCount!: number | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) transports!: string | null;
  /** TOTP: the last time step accepted; a step is accepted at most once. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  lastUsedStep!: number | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('confirmed_at', { nullable: true }) confirmedAt!: Date | null;
  @TimestampColumn('last_used_at', { nullable: true }) lastUsedAt!: Date | null;
}

@Entity('recovery_codes')
export class RecoveryCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_recovery_codes_factor')
  @IdColumn('factor_id')
  factorId!: string;
  @ManyToOne(() => FactorEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: FactorEntity;
  /** Keyed HMAC of the normalised code: finds the one row to check without a slow hash per code. */
  @Index('ux_recovery_codes_lookup', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  lookup!: string;
  /** Salted slow hash (argon2id) of the normalised code. */
  @Column({ name: 'code_hash', type: 'text' }) codeHash!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('used_at', { nullable: true }) usedAt!: Date | null;
}

/** A pending second-factor check: one login, one step-up, one admin sign-in. Completed exactly once. */
@Entity('challenges')
export class ChallengeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_challenges_member')
  @IdColumn('member_id', { nullable: true })
  memberId!: string | null;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @IdColumn('admin_id', { nullable: true }) adminId!: string | null;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  @Column({ type: 'varchar', length: 24 }) purpose!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'pending' | 'completed' | 'expired' | 'failed' | 'denied';
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'max_attempts', type: 'integer' }) maxAttempts!: number;
  /** The session (member or admin) that asked for it, for step-up challenges. */
  @Column({ name: 'session_id', type: 'varchar', length: 36, nullable: true }) sessionId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip!: string | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('completed_at', { nullable: true }) completedAt!: Date | null;
  @Column({ name: 'completed_method', type: 'varchar', length: 24, nullable: true }) completedMethod!: string | null;
  /** Login challenges: the server, device and client that asked. */
  @IdColumn('server_id', { nullable: true }) serverId!: string | null;
  @Column({ name: 'device_id', type: 'varchar', length: 200, nullable: true }) deviceId!: string | null;
  @Column({ name: 'device_name', type: 'varchar', length: 200, nullable: true }) deviceName!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) client!: string | null;
  /** Short code a TV shows (device-authorization style), stored as a keyed hash. */
  @Index('ux_challenges_user_code', { unique: true })
  @Column({ name: 'user_code_hash', type: 'varchar', length: 64, nullable: true })
  userCodeHash!: string | null;
  /** Factor kinds that may answer (JSON list), from the policies that asked. */
  @Column({ name: 'accepted_factors', type: 'varchar', length: 200, nullable: true }) acceptedFactors!: string | null;
  @Column({ name: 'poll_interval', type: 'integer', nullable: true }) pollInterval!: number | null;
  @TimestampColumn('last_polled_at', { nullable: true }) lastPolledAt!: Date | null;
  /** The member asked to remember this device when completing it. */
  @Column({ name: 'remember_device', type: 'integer', default: 0, transformer: intBool }) rememberDevice!: boolean;
  /** The remembered or paired device record created when it completed. */
  @Column({ name: 'device_record_id', type: 'varchar', length: 36, nullable: true }) deviceRecordId!: string | null;
  /** Login challenges from a web client: where the member pages send the member back (checked on the way in). */
  @Column({ name: 'return_url', type: 'varchar', length: 2048, nullable: true }) returnUrl!: string | null;
}

@Entity('email_codes')
export class EmailCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_email_codes_challenge')
  @IdColumn('challenge_id', { nullable: true })
  challengeId!: string | null;
  @ManyToOne(() => ChallengeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'challenge_id' })
  challenge?: ChallengeEntity;
  /** For confirming a new email factor (then challenge_id is null). */
  @Index('ix_email_codes_factor')
  @IdColumn('factor_id', { nullable: true })
  factorId!: string | null;
  @ManyToOne(() => FactorEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'factor_id' })
  factor?: FactorEntity;
  @Column({ type: 'varchar', length: 320 }) email!: string;
  /** HMAC-SHA256 (signing key) of the code bound to its challenge or factor. */
  @Column({ name: 'code_hash', type: 'varchar', length: 64 }) codeHash!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('used_at', { nullable: true }) usedAt!: Date | null;
  @TimestampColumn('superseded_at', { nullable: true }) supersededAt!: Date | null;
}

@Entity('webauthn_challenges')
export class WebAuthnChallengeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @IdColumn('member_id', { nullable: true }) memberId!: string | null;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @IdColumn('admin_id', { nullable: true }) adminId!: string | null;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  /** For an assertion: the verification challenge it may answer, and no other. */
  @IdColumn('challenge_id', { nullable: true }) challengeId!: string | null;
  @ManyToOne(() => ChallengeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'challenge_id' })
  verification?: ChallengeEntity;
  @Column({ type: 'varchar', length: 16 }) kind!: 'registration' | 'authentication';
  @Index('ux_webauthn_challenges_challenge', { unique: true })
  @Column({ type: 'varchar', length: 128 })
  challenge!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('used_at', { nullable: true }) usedAt!: Date | null;
}

/** Counters for attempt budgets, lockouts and rate limits, kept in the database so they hold across instances. */
@Entity('throttles')
export class ThrottleEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 }) key!: string;
  @Column({ type: 'integer' }) count!: number;
  @TimestampColumn('window_started_at') windowStartedAt!: Date;
  @TimestampColumn('locked_until', { nullable: true }) lockedUntil!: Date | null;
}

@Entity('member_sessions')
@Index('ux_member_sessions_token_hash', ['tokenHash'], { unique: true })
export class MemberSessionEntity extends SessionColumns {
  @Index('ix_member_sessions_member')
  @IdColumn('member_id')
  memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  /** Last verification with an existing factor in this session (factor changes need a recent one). */
  @TimestampColumn('verified_at', { nullable: true }) verifiedAt!: Date | null;
  /** `full`, or `pairing`: started from a TV code, good only for confirming it is them and answering that request. */
  @Column({ type: 'varchar', length: 16, default: 'full' }) scope!: 'full' | 'pairing';
  @Column({ name: 'pairing_challenge_id', type: 'varchar', length: 36, nullable: true }) pairingChallengeId!: string | null;
}

/** Short-lived single-use links into the member pages, minted by a media server for a member it signed in. */
@Entity('member_links')
export class MemberLinkEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @IdColumn('member_id') memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @Column({ type: 'varchar', length: 16 }) purpose!: string;
  @Index('ux_member_links_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('expires_at') expiresAt!: Date;
  @TimestampColumn('used_at', { nullable: true }) usedAt!: Date | null;
}

/** Security-relevant acts, append-only and hash-chained (GET /api/v1/audit/verify walks the chain). */
@Entity('audit_events')
@Index('ix_audit_events_member', ['memberId', 'seq'])
@Index('ix_audit_events_type', ['type', 'seq'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** Position in the chain: 1, 2, 3, … without gaps. */
  @Index('ux_audit_events_seq', { unique: true })
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  seq!: number;
  @Index('ix_audit_events_at')
  @TimestampColumn('at')
  at!: Date;
  @Column({ type: 'varchar', length: 64 }) type!: string;
  @Column({ type: 'varchar', length: 16 }) outcome!: string;
  @Column({ name: 'member_id', type: 'varchar', length: 36, nullable: true }) memberId!: string | null;
  @Column({ name: 'admin_id', type: 'varchar', length: 36, nullable: true }) adminId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip!: string | null;
  @Column({ type: 'text', nullable: true }) details!: string | null;
  /** The previous entry's hash (64 zeros for the first): deleting or reordering entries breaks the chain. */
  @Column({ name: 'prev_hash', type: 'varchar', length: 64 }) prevHash!: string;
  /** SHA-256 over prev_hash and the entry's canonical form: changing an entry breaks the chain. */
  @Column({ type: 'varchar', length: 64 }) hash!: string;
}

/** "Members in scope must have MFA": the owner's switch, scoped to groups and/or libraries. */
@Entity('policies')
export class PolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  /** Latchkey ids of directory groups; empty = all members. */
  @Column({ type: 'text', transformer: jsonList }) groups!: string[];
  /** Latchkey ids of directory libraries; empty = applies at login. */
  @Column({ type: 'text', transformer: jsonList }) libraries!: string[];
  @Column({ name: 'grace_period_days', type: 'integer' }) gracePeriodDays!: number;
  @Column({ type: 'varchar', length: 24 }) accepted!: 'any' | 'phishing_resistant';
  @Column({ name: 'allow_email', type: 'boolean' }) allowEmail!: boolean;
  @Column({ type: 'varchar', length: 16 }) enforcement!: 'block' | 'restrict';
  @Column({ name: 'allow_app_passwords', type: 'integer', default: 1, transformer: intBool }) allowAppPasswords!: boolean;
  @Column({ name: 'reverify_after_hours', type: 'integer', nullable: true }) reverifyAfterHours!: number | null;
  @Column({ name: 'bypass_cidrs', type: 'text', transformer: jsonList }) bypassCidrs!: string[];
  /** Set the first time the policy is enabled and never again: re-enabling gives no fresh grace period. */
  @TimestampColumn('first_activated_at', { nullable: true }) firstActivatedAt!: Date | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('updated_at') updatedAt!: Date;
  @TimestampColumn('deleted_at', { nullable: true }) deletedAt!: Date | null;
}

/** A member excused from every policy or one, with a reason, optionally until a date. */
@Entity('exemptions')
export class ExemptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ix_exemptions_member')
  @IdColumn('member_id')
  memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  @IdColumn('policy_id', { nullable: true }) policyId!: string | null;
  @ManyToOne(() => PolicyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_id' })
  policy?: PolicyEntity;
  @Column({ type: 'varchar', length: 500 }) reason!: string;
  @TimestampColumn('expires_at', { nullable: true }) expiresAt!: Date | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true }) createdBy!: string | null;
  @TimestampColumn('revoked_at', { nullable: true }) revokedAt!: Date | null;
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
  FactorEntity,
  RecoveryCodeEntity,
  ChallengeEntity,
  EmailCodeEntity,
  WebAuthnChallengeEntity,
  ThrottleEntity,
  MemberSessionEntity,
  MemberLinkEntity,
  AuditEventEntity,
  PolicyEntity,
  ExemptionEntity,
  ...NOTIFICATION_ENTITIES,
];
