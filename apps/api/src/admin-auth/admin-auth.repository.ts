import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { AdminEntity, AdminSessionEntity, AdminTokenEntity, SetupTokenEntity, SystemSetting } from '../database/entities';
import { Db } from '../database/db';

@Injectable()
export class AdminAuthRepository {
  constructor(private readonly db: Db) {}

  countAdmins(m: EntityManager = this.db.manager): Promise<number> {
    return m.count(AdminEntity);
  }

  findAdminByEmail(email: string): Promise<AdminEntity | null> {
    return this.db.manager.findOneBy(AdminEntity, { email });
  }

  findAdmin(id: string): Promise<AdminEntity | null> {
    return this.db.manager.findOneBy(AdminEntity, { id });
  }

  insertAdmin(m: EntityManager, admin: AdminEntity): Promise<unknown> {
    return m.insert(AdminEntity, admin);
  }

  /** Claims the one owner slot; false if another setup already took it. */
  async claimOwnerSlot(m: EntityManager, adminId: string, now: Date): Promise<boolean> {
    await m.createQueryBuilder().insert().into(SystemSetting).values({ name: 'owner_admin_id', value: adminId, createdAt: now }).orIgnore().execute();
    const row = await m.findOneBy(SystemSetting, { name: 'owner_admin_id' });
    return row?.value === adminId;
  }

  insertSetupToken(m: EntityManager, t: SetupTokenEntity): Promise<unknown> {
    return m.insert(SetupTokenEntity, t);
  }

  /** Spends a setup token if it is unused and unexpired; true when this call spent it. */
  async consumeSetupToken(m: EntityManager, tokenHash: string, now: Date): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(SetupTokenEntity)
      .set({ usedAt: now })
      .where('token_hash = :tokenHash', { tokenHash })
      .andWhere('used_at IS NULL')
      .andWhere('expires_at > :now', { now: now.getTime() })
      .execute();
    return res.affected === 1;
  }

  insertSession(m: EntityManager, s: AdminSessionEntity): Promise<unknown> {
    return m.insert(AdminSessionEntity, s);
  }

  findSessionByTokenHash(tokenHash: string): Promise<AdminSessionEntity | null> {
    return this.db.manager.findOneBy(AdminSessionEntity, { tokenHash, revokedAt: IsNull() });
  }

  touchSession(m: EntityManager, id: string, now: Date): Promise<unknown> {
    return m.update(AdminSessionEntity, { id }, { lastSeenAt: now });
  }

  revokeSession(m: EntityManager, id: string, now: Date): Promise<unknown> {
    return m.update(AdminSessionEntity, { id, revokedAt: IsNull() }, { revokedAt: now });
  }

  updateAdmin(m: EntityManager, id: string, changes: Partial<AdminEntity>): Promise<unknown> {
    return m.update(AdminEntity, { id }, changes);
  }

  insertToken(m: EntityManager, t: AdminTokenEntity): Promise<unknown> {
    return m.insert(AdminTokenEntity, t);
  }

  listTokens(adminId: string): Promise<AdminTokenEntity[]> {
    return this.db.manager.find(AdminTokenEntity, { where: { adminId, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  findTokenByHash(tokenHash: string): Promise<AdminTokenEntity | null> {
    return this.db.manager.findOneBy(AdminTokenEntity, { tokenHash, revokedAt: IsNull() });
  }

  async revokeToken(m: EntityManager, adminId: string, id: string, now: Date): Promise<boolean> {
    const res = await m.update(AdminTokenEntity, { id, adminId, revokedAt: IsNull() }, { revokedAt: now });
    return res.affected === 1;
  }

  touchToken(m: EntityManager, id: string, now: Date): Promise<unknown> {
    return m.update(AdminTokenEntity, { id }, { lastUsedAt: now });
  }
}
