import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { Db } from '../database/db';
import { ChallengeEntity, EmailCodeEntity, FactorEntity, RecoveryCodeEntity } from '../database/entities';
import { Subject, subjectWhere } from './subject';

/** Queries for factors, recovery codes, e-mail codes and challenges; single-use is a conditional UPDATE. */
@Injectable()
export class FactorsRepository {
  constructor(private readonly db: Db) {}

  list(subject: Subject, m: EntityManager = this.db.manager): Promise<FactorEntity[]> {
    return m.find(FactorEntity, { where: subjectWhere(subject), order: { createdAt: 'ASC' } });
  }

  find(subject: Subject, id: string, m: EntityManager = this.db.manager): Promise<FactorEntity | null> {
    return m.findOneBy(FactorEntity, { id, ...subjectWhere(subject) });
  }

  insert(m: EntityManager, f: FactorEntity): Promise<unknown> {
    return m.insert(FactorEntity, f);
  }

  update(m: EntityManager, id: string, changes: Partial<FactorEntity>): Promise<unknown> {
    return m.update(FactorEntity, { id }, changes);
  }

  delete(m: EntityManager, ids: string[]): Promise<unknown> {
    return ids.length ? m.delete(FactorEntity, ids) : Promise.resolve();
  }

  /** Accepts a TOTP time step once: true only for the one caller that moved `last_used_step` forward. */
  async claimTotpStep(m: EntityManager, factorId: string, step: number, now: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(FactorEntity)
      .set({ lastUsedStep: step, lastUsedAt: now })
      .where('id = :factorId', { factorId })
      .andWhere('(last_used_step IS NULL OR last_used_step < :step)', { step })
      .execute();
    return res.affected === 1;
  }

  insertRecoveryCodes(m: EntityManager, rows: RecoveryCodeEntity[]): Promise<unknown> {
    return m.insert(RecoveryCodeEntity, rows);
  }

  findRecoveryCode(lookup: string): Promise<RecoveryCodeEntity | null> {
    return this.db.manager.findOneBy(RecoveryCodeEntity, { lookup, usedAt: IsNull() });
  }

  async spendRecoveryCode(m: EntityManager, id: string, now: Date): Promise<boolean> {
    const res = await m.createQueryBuilder().update(RecoveryCodeEntity).set({ usedAt: now }).where('id = :id', { id }).andWhere('used_at IS NULL').execute();
    return res.affected === 1;
  }

  async recoveryCounts(factorId: string): Promise<{ total: number; remaining: number }> {
    const [total, remaining] = await Promise.all([
      this.db.manager.count(RecoveryCodeEntity, { where: { factorId } }),
      this.db.manager.count(RecoveryCodeEntity, { where: { factorId, usedAt: IsNull() } }),
    ]);
    return { total, remaining };
  }

  insertEmailCode(m: EntityManager, row: EmailCodeEntity): Promise<unknown> {
    return m.insert(EmailCodeEntity, row);
  }

  /** A resend makes every earlier code of the same challenge (or factor) useless. */
  async supersedeEmailCodes(m: EntityManager, where: { challengeId?: string; factorId?: string }, now: Date): Promise<void> {
    const qb = m.createQueryBuilder().update(EmailCodeEntity).set({ supersededAt: now }).where('used_at IS NULL').andWhere('superseded_at IS NULL');
    if (where.challengeId) qb.andWhere('challenge_id = :c', { c: where.challengeId });
    if (where.factorId) qb.andWhere('factor_id = :f', { f: where.factorId });
    await qb.execute();
  }

  liveEmailCode(where: { challengeId?: string; factorId?: string }, now: Date): Promise<EmailCodeEntity | null> {
    const qb = this.db.manager
      .createQueryBuilder(EmailCodeEntity, 'c')
      .where('c.used_at IS NULL')
      .andWhere('c.superseded_at IS NULL')
      .andWhere('c.expires_at > :now', { now: now.getTime() })
      .orderBy('c.created_at', 'DESC');
    if (where.challengeId) qb.andWhere('c.challenge_id = :cid', { cid: where.challengeId });
    if (where.factorId) qb.andWhere('c.factor_id = :fid', { fid: where.factorId });
    return qb.getOne();
  }

  async spendEmailCode(m: EntityManager, id: string, now: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(EmailCodeEntity)
      .set({ usedAt: now })
      .where('id = :id', { id })
      .andWhere('used_at IS NULL')
      .andWhere('superseded_at IS NULL')
      .andWhere('expires_at > :now', { now: now.getTime() })
      .execute();
    return res.affected === 1;
  }

  insertChallenge(m: EntityManager, c: ChallengeEntity): Promise<unknown> {
    return m.insert(ChallengeEntity, c);
  }

  findChallenge(id: string): Promise<ChallengeEntity | null> {
    return this.db.manager.findOneBy(ChallengeEntity, { id });
  }

  /** Spends one attempt of the challenge's budget; false when it is spent, expired or no longer pending. */
  async reserveChallengeAttempt(m: EntityManager, id: string, now: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(ChallengeEntity)
      .set({ attempts: () => 'attempts + 1' })
      .where('id = :id', { id })
      .andWhere("status = 'pending'")
      .andWhere('attempts < max_attempts')
      .andWhere('expires_at > :now', { now: now.getTime() })
      .execute();
    return res.affected === 1;
  }

  /** Completes a challenge exactly once. */
  async completeChallenge(m: EntityManager, id: string, method: string, now: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(ChallengeEntity)
      .set({ status: 'completed', completedAt: now, completedMethod: method })
      .where('id = :id', { id })
      .andWhere("status = 'pending'")
      .execute();
    return res.affected === 1;
  }
}
