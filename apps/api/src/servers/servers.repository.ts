import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ServerEntity } from '../database/entities';
import { Db } from '../database/db';

@Injectable()
export class ServersRepository {
  constructor(private readonly db: Db) {}

  list(m: EntityManager = this.db.manager): Promise<ServerEntity[]> {
    return m.find(ServerEntity, { order: { createdAt: 'ASC' } });
  }

  findById(id: string, m: EntityManager = this.db.manager): Promise<ServerEntity | null> {
    return m.findOneBy(ServerEntity, { id });
  }

  /** On every media-server request: one indexed read, no entity hydration. */
  async findByApiKeyHash(hash: string): Promise<{ id: string; trustedProxies: string | null; apiKeyLastUsedAt: Date | null } | null> {
    const rows = await this.db.raw<{ id: string; trusted_proxies: string | null; api_key_last_used_at: string | number | null }>(
      this.db.manager,
      'SELECT id, trusted_proxies, api_key_last_used_at FROM servers WHERE api_key_hash = ?',
      [hash],
    );
    const r = rows[0];
    return r ? { id: r.id, trustedProxies: r.trusted_proxies, apiKeyLastUsedAt: r.api_key_last_used_at === null ? null : new Date(Number(r.api_key_last_used_at)) } : null;
  }

  insert(m: EntityManager, server: ServerEntity): Promise<unknown> {
    return m.insert(ServerEntity, server);
  }

  update(m: EntityManager, id: string, changes: Partial<ServerEntity>): Promise<unknown> {
    return m.update(ServerEntity, { id }, changes);
  }

  /** Records use of a key at most once a minute per server, so the hot path rarely writes. */
  async touchApiKey(m: EntityManager, id: string, now: Date): Promise<void> {
    await m
      .createQueryBuilder()
      .update(ServerEntity)
      .set({ apiKeyLastUsedAt: now })
      .where('id = :id', { id })
      .andWhere('(api_key_last_used_at IS NULL OR api_key_last_used_at < :before)', { before: now.getTime() - 60_000 })
      .execute();
  }
}
