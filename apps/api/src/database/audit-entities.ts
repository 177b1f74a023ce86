import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn } from './columns';
import { AdminEntity, ExemptionEntity, MemberEntity } from './entities';

/** BIGINT counters and positions, read back as numbers on both databases (PostgreSQL returns strings). */
const bigNumber: ValueTransformer = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/**
 * Where the audit chain starts after retention pruned its oldest entries: the last pruned entry's
 * position and hash. `verify` starts from the latest checkpoint, which an `audit.pruned` entry in the
 * remaining chain must confirm.
 */
@Entity('audit_checkpoints')
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigNumber }) seq!: number;
  @Column({ type: 'varchar', length: 64 }) hash!: string;
  /** Entries pruned in total, through this checkpoint. */
  @Column({ name: 'pruned_entries', type: 'bigint', transformer: bigNumber }) prunedEntries!: number;
  @TimestampColumn('cutoff_at') cutoffAt!: Date;
  @TimestampColumn('created_at') createdAt!: Date;
}

/** Audit entries per UTC day, type and outcome, counted as they are written (dashboards read this, never the log). */
@Entity('audit_daily_counts')
export class AuditDailyCountEntity {
  @PrimaryColumn({ type: 'varchar', length: 10 }) day!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) type!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) outcome!: string;
  @Column({ type: 'bigint', transformer: bigNumber }) events!: number;
}

/** Each active policy's adoption on a UTC day (the day's latest snapshot). */
@Entity('adoption_snapshots')
export class AdoptionSnapshotEntity {
  @PrimaryColumn({ type: 'varchar', length: 10 }) day!: string;
  @PrimaryColumn({ name: 'policy_id', type: 'varchar', length: 36 }) policyId!: string;
  @Column({ name: 'policy_name', type: 'varchar', length: 100 }) policyName!: string;
  @Column({ type: 'integer' }) compliant!: number;
  @Column({ name: 'in_grace', type: 'integer' }) inGrace!: number;
  @Column({ type: 'integer' }) overdue!: number;
  @Column({ type: 'integer' }) exempt!: number;
  @TimestampColumn('taken_at') takenAt!: Date;
}

/** One row per scheduled job: who holds it (until when) and when it is due next. Shared by every instance. */
@Entity('job_leases')
export class JobLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'varchar', length: 36, nullable: true }) holder!: string | null;
  @TimestampColumn('lease_until', { nullable: true }) leaseUntil!: Date | null;
  @TimestampColumn('next_run_at') nextRunAt!: Date;
  @TimestampColumn('last_started_at', { nullable: true }) lastStartedAt!: Date | null;
  @TimestampColumn('last_finished_at', { nullable: true }) lastFinishedAt!: Date | null;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
  @Column({ type: 'integer' }) runs!: number;
}

/** The owner's reminder settings (one row, id `default`). */
@Entity('reminder_settings')
export class ReminderSettingsEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 }) id!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ name: 'sender_name', type: 'varchar', length: 100, nullable: true }) senderName!: string | null;
  @Column({ type: 'text', nullable: true }) message!: string | null;
  @TimestampColumn('updated_at') updatedAt!: Date;
  @Column({ name: 'updated_by', type: 'varchar', length: 36, nullable: true }) updatedBy!: string | null;
}

/**
 * A reminder e-mail, inserted before it is sent. `dedupe_key` is unique: a scheduled step (member,
 * policy, deadline, step) or an exemption's expiry step exists once, whatever the restarts and instances.
 */
@Entity('reminders')
export class ReminderEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Index('ux_reminders_dedupe_key', { unique: true })
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200 })
  dedupeKey!: string;
  /** `member` (scheduled), `manual` (sent now by an admin), `exemption` (to an admin, before an exemption expires). */
  @Column({ type: 'varchar', length: 16 }) kind!: 'member' | 'manual' | 'exemption';
  @Index('ix_reminders_member')
  @IdColumn('member_id', { nullable: true })
  memberId!: string | null;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;
  /** The admin it is addressed to (exemption reminders). */
  @IdColumn('admin_id', { nullable: true }) adminId!: string | null;
  @ManyToOne(() => AdminEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'admin_id' })
  admin?: AdminEntity;
  @IdColumn('exemption_id', { nullable: true }) exemptionId!: string | null;
  @ManyToOne(() => ExemptionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'exemption_id' })
  exemption?: ExemptionEntity;
  @Column({ name: 'policy_id', type: 'varchar', length: 36, nullable: true }) policyId!: string | null;
  @TimestampColumn('deadline_at', { nullable: true }) deadlineAt!: Date | null;
  /** Days before the deadline (0 = the day it passes); null for manual reminders. */
  @Column({ type: 'integer', nullable: true }) step!: number | null;
  @Column({ type: 'varchar', length: 320 }) email!: string;
  /** `pending` (to send or to retry), `sending`, `sent`, `failed` (gave up). */
  @Column({ type: 'varchar', length: 16 }) status!: 'pending' | 'sending' | 'sent' | 'failed';
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
  @Column({ name: 'requested_by', type: 'varchar', length: 36, nullable: true }) requestedBy!: string | null;
  @TimestampColumn('created_at') createdAt!: Date;
  @TimestampColumn('sent_at', { nullable: true }) sentAt!: Date | null;
}

export const AUDIT_ENTITIES = [AuditCheckpointEntity, AuditDailyCountEntity, AdoptionSnapshotEntity, JobLeaseEntity, ReminderSettingsEntity, ReminderEntity];
