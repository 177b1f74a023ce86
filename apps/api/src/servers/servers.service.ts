import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CreateServerRequest, Server, ServerWithApiKey, TokenPrefixes, UpdateServerRequest, originOf } from '@latchkey/contracts';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { hashPresentedSecret, issueSecret } from '../common/secret-tokens';
import { Db } from '../database/db';
import { ServerEntity } from '../database/entities';
import { ServersRepository } from './servers.repository';

/** Registered media servers and their API keys (shown once, stored as SHA-256, rotatable, revocable). */
@Injectable()
export class ServersService {
  constructor(
    private readonly db: Db,
    private readonly repo: ServersRepository,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateServerRequest): Promise<ServerWithApiKey> {
    const now = this.clock.now();
    const key = issueSecret(TokenPrefixes.serverApiKey);
    const server: ServerEntity = Object.assign(new ServerEntity(), {
      id: newId(),
      name: input.name,
      kind: input.kind,
      baseUrl: normaliseBaseUrl(input.baseUrl),
      apiKeyHash: key.hash,
      apiKeyPrefix: key.displayPrefix,
      apiKeyCreatedAt: now,
      apiKeyLastUsedAt: null,
      trustedProxies: null,
      forwardAuthHosts: null,
      webOrigins: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.db.write((m) => this.repo.insert(m, server));
    return { server: toServer(server), apiKey: key.secret };
  }

  async list(): Promise<Server[]> {
    return (await this.repo.list()).map(toServer);
  }

  async get(id: string): Promise<Server> {
    return toServer(await this.require(id));
  }

  async update(id: string, input: UpdateServerRequest): Promise<Server> {
    return this.db.write(async (m) => {
      const server = await this.require(id, m);
      const changes: Partial<ServerEntity> = { updatedAt: this.clock.now() };
      if (input.name !== undefined) changes.name = input.name;
      if (input.kind !== undefined) changes.kind = input.kind;
      if (input.baseUrl !== undefined) changes.baseUrl = normaliseBaseUrl(input.baseUrl);
      if (input.trustedProxies !== undefined) changes.trustedProxies = JSON.stringify(input.trustedProxies);
      if (input.forwardAuthHosts !== undefined) {
        const hosts = [...new Set(input.forwardAuthHosts)];
        await this.requireHostsFree(m, id, hosts);
        changes.forwardAuthHosts = JSON.stringify(hosts);
      }
      if (input.webOrigins !== undefined) changes.webOrigins = JSON.stringify([...new Set(input.webOrigins.map((o) => originOf(o) ?? o))]);
      await this.repo.update(m, id, changes);
      return toServer({ ...server, ...changes } as ServerEntity);
    });
  }

  /** Issues a new key; the old one stops working at once. */
  async rotateApiKey(id: string): Promise<ServerWithApiKey> {
    const key = issueSecret(TokenPrefixes.serverApiKey);
    return this.db.write(async (m) => {
      const server = await this.require(id, m);
      const now = this.clock.now();
      const changes: Partial<ServerEntity> = { apiKeyHash: key.hash, apiKeyPrefix: key.displayPrefix, apiKeyCreatedAt: now, apiKeyLastUsedAt: null, updatedAt: now };
      await this.repo.update(m, id, changes);
      return { server: toServer({ ...server, ...changes } as ServerEntity), apiKey: key.secret };
    });
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.db.write(async (m) => {
      await this.require(id, m);
      await this.repo.update(m, id, { apiKeyHash: null, apiKeyPrefix: null, apiKeyCreatedAt: null, updatedAt: this.clock.now() });
    });
  }

  /** The server a presented API key belongs to, or null. */
  async authenticate(presented: string | null): Promise<{ id: string; trustedProxies: string[] } | null> {
    const hash = hashPresentedSecret(TokenPrefixes.serverApiKey, presented);
    if (!hash) return null;
    const server = await this.repo.findByApiKeyHash(hash);
    if (!server) return null;
    const now = this.clock.now();
    if (!server.apiKeyLastUsedAt || now.getTime() - server.apiKeyLastUsedAt.getTime() > 60_000) {
      await this.db.write((m) => this.repo.touchApiKey(m, server.id, now));
    }
    return { id: server.id, trustedProxies: jsonList(server.trustedProxies) };
  }

  /** A forward-auth host belongs to one server: the proxy's question must have one answer. */
  private async requireHostsFree(m: EntityManager, id: string, hosts: string[]): Promise<void> {
    for (const other of await this.repo.list(m)) {
      if (other.id === id) continue;
      const taken = jsonList(other.forwardAuthHosts).find((h) => hosts.includes(h));
      if (taken) throw new AppException(409, 'conflict', `${taken} is already protected for ${other.name}.`);
    }
  }

  /**
   * The same, synchronously on SQLite (the login hot path). Undefined when it cannot say without the
   * asynchronous path (PostgreSQL, or a last-used time to record while another transaction is open).
   */
  authenticateNow(presented: string | null): { id: string; trustedProxies: string[] } | null | undefined {
    const sync = this.db.sync;
    if (!sync) return undefined;
    const hash = hashPresentedSecret(TokenPrefixes.serverApiKey, presented);
    if (!hash) return null;
    const row = sync.get<{ id: string; trusted_proxies: string | null; api_key_last_used_at: number | null }>(
      'SELECT id, trusted_proxies, api_key_last_used_at FROM servers WHERE api_key_hash = ?',
      [hash],
    );
    if (!row) return null;
    const now = this.clock.now().getTime();
    if ((row.api_key_last_used_at === null || now - Number(row.api_key_last_used_at) > 60_000) && sync.tryRun('UPDATE servers SET api_key_last_used_at = ? WHERE id = ?', [now, row.id]) === null) {
      return undefined;
    }
    return { id: row.id, trustedProxies: row.trusted_proxies ? (JSON.parse(row.trusted_proxies) as string[]) : [] };
  }

  private async require(id: string, m = this.db.manager): Promise<ServerEntity> {
    const server = await this.repo.findById(id, m);
    if (!server) throw AppException.notFound('server_not_found');
    return server;
  }
}

function jsonList(v: string | null): string[] {
  return v ? (JSON.parse(v) as string[]) : [];
}

function normaliseBaseUrl(url: string): string {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  return u.toString().replace(/\/+$/, '');
}

export function toServer(s: ServerEntity): Server {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    baseUrl: s.baseUrl,
    apiKey: {
      active: s.apiKeyHash !== null,
      prefix: s.apiKeyPrefix,
      createdAt: isoOrNull(s.apiKeyCreatedAt),
      lastUsedAt: isoOrNull(s.apiKeyLastUsedAt),
    },
    trustedProxies: jsonList(s.trustedProxies),
    forwardAuthHosts: jsonList(s.forwardAuthHosts),
    webOrigins: jsonList(s.webOrigins),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}
