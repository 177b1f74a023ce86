import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppPassword, AppPasswordCreated, DeviceKind, MemberDevice, RecentSignIn, RevocationList, RevokedCount } from '@latchkey/contracts';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { CryptoService } from '../crypto/crypto.service';
import { hmacSha256, randomToken, safeEqual } from '../crypto/primitives';
import { Db } from '../database/db';
import type { SqliteSync } from '../database/sqlite-sync';
import { AppPasswordEntity, MemberDeviceEntity } from '../database/device-entities';
import { NotificationsService } from '../notifications/notifications.service';
import { SettingsStore } from '../settings/settings.store';
import { credentialsChanged, revokeDevices } from './credentials';

const TOKEN_PREFIX = 'lkd1';
const DAY_MS = 86_400_000;
/** A token one rotation old still works this long: two parallel logins of one device, or a lost answer. */
export const ROTATION_OVERLAP_MS = 60_000;
/** Other instances see a trust-key rotation within this time (the rotation also revokes every device row at once). */
const EPOCH_REFRESH_MS = 10_000;
const EPOCH_SETTING = 'trust_token_epoch';
const APP_PASSWORD_PREFIX = 'lkap';

export type TrustFailure = 'malformed' | 'unknown' | 'other_member' | 'other_device' | 'forged' | 'revoked' | 'expired' | 'credentials_changed' | 'reused';

export type TrustCheck =
  | { ok: true; deviceRecordId: string; kind: DeviceKind; verifiedAt: Date; token: string; expiresAt: Date | null }
  | { ok: false; reason: TrustFailure };

interface DeviceRow {
  id: string;
  member_id: string;
  server_id: string;
  device_id: string;
  kind: DeviceKind;
  generation: number | string;
  credential_version: number | string;
  verified_at: number | string;
  rotated_at: number | string | null;
  expires_at: number | string | null;
  revoked_at: number | string | null;
}

type Actor = { memberId: string; adminId?: undefined } | { adminId: string; memberId?: undefined };

/**
 * Remembered browsers, paired TVs and apps, app passwords.
 *
 * A trust token is `lkd1.<record id>.<generation>.<HMAC>`: the HMAC (a key derived from the signing key
 * and the current trust-key epoch) covers the record, its generation, the member, the server, the device
 * id, the member's credential version at the time and the expiry. Checking one takes a single indexed
 * read. Each use rotates it (generation + 1); the previous generation is accepted for
 * ROTATION_OVERLAP_MS after that rotation, and an older one is a replayed (stolen) token: the device is
 * revoked.
 */
@Injectable()
export class DevicesService implements OnModuleInit {
  private epoch = 0;
  private epochReadAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly settings: SettingsStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.currentEpoch();
  }

  // ---- Trust tokens ------------------------------------------------------------------------

  async checkTrust(input: TrustInput): Promise<TrustCheck> {
    const parsed = parseToken(input.token);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const row = (await this.db.raw<DeviceRow>(this.db.manager, DEVICE_BY_ID, [parsed.recordId]))[0];
    const epoch = await this.currentEpoch();
    const now = this.clock.now();
    const verdict = this.evaluate(row, parsed, input, now, epoch);
    if (verdict.kind === 'failed') return verdict.check;
    if (verdict.kind === 'reused') {
      await this.db.write((m) => this.revokeRows(m, 'id = ?', [verdict.row.id], 'token_reuse', now));
      await this.audit.record({ type: 'device.revoked', outcome: 'success', memberId: verdict.row.member_id, ip: input.ip, details: { deviceRecordId: verdict.row.id, reason: 'token_reuse', generation: parsed.generation } });
      return { ok: false, reason: 'reused' };
    }
    let generation = verdict.generation;
    if (input.rotate && verdict.rotate) {
      const changed = await this.db.write((m) => this.db.exec(m, ROTATE, this.rotateParams(verdict.row, input, now)));
      generation += 1;
      // Lost a race with a parallel login of the same device: it rotated; hand out its token.
      if (changed !== 1) {
        const again = (await this.db.raw<DeviceRow>(this.db.manager, DEVICE_BY_ID, [verdict.row.id]))[0];
        if (!again || again.revoked_at !== null) return { ok: false, reason: 'revoked' };
        generation = Number(again.generation);
      }
    }
    return this.accepted(verdict.row, generation, epoch);
  }

  /**
   * The same check, synchronously on SQLite, for the login hot path. Null when it cannot be answered
   * without the asynchronous path: not SQLite, a replayed token to revoke, or a rotation while another
   * transaction is open.
   */
  checkTrustNow(input: TrustInput): { check: TrustCheck; rotate: (() => TrustCheck | null) | null } | null {
    const sync = this.db.sync;
    if (!sync) return null;
    const parsed = parseToken(input.token);
    if (!parsed) return { check: { ok: false, reason: 'malformed' }, rotate: null };
    const now = this.clock.now();
    const epoch = this.epochNow(sync, now);
    const verdict = this.evaluate(sync.get<DeviceRow>(DEVICE_BY_ID, [parsed.recordId]), parsed, input, now, epoch);
    if (verdict.kind === 'failed') return { check: verdict.check, rotate: null };
    if (verdict.kind === 'reused') return null;
    const { row, generation } = verdict;
    const check = this.accepted(row, generation, epoch);
    if (!(input.rotate && verdict.rotate)) return { check, rotate: null };
    // Rotating is the caller's last step, once it knows the answer needs no other write.
    const rotate = () => (sync.tryRun(ROTATE, this.rotateParams(row, input, now)) === 1 ? this.accepted(row, generation + 1, epoch) : null);
    return { check, rotate };
  }

  /**
   * Forged, or issued for another member or device, revoked, expired, or from before a credential change:
   * refused. The current generation, or the previous one shortly after a rotation: accepted. Older: replayed.
   */
  private evaluate(row: DeviceRow | undefined, parsed: ParsedToken, input: TrustInput, now: Date, epoch: number): Verdict {
    const fail = (reason: TrustFailure): Verdict => ({ kind: 'failed', check: { ok: false, reason } });
    if (!row) return fail('unknown');
    if (!safeEqual(this.signature(row, parsed.generation, epoch), parsed.signature)) return fail('forged');
    // The signature is good, so the token was really issued for this record: now check it is used where it belongs.
    if (row.member_id !== input.memberId) return fail('other_member');
    if (row.server_id !== input.serverId || row.device_id !== input.deviceId) return fail('other_device');
    if (row.revoked_at !== null) return fail('revoked');
    if (row.expires_at !== null && Number(row.expires_at) <= now.getTime()) return fail('expired');
    if (Number(row.credential_version) !== input.credentialVersion) return fail('credentials_changed');
    const current = Number(row.generation);
    if (parsed.generation === current) return { kind: 'accepted', row, generation: current, rotate: true };
    const rotatedAt = row.rotated_at === null ? null : Number(row.rotated_at);
    if (parsed.generation === current - 1 && rotatedAt !== null && now.getTime() - rotatedAt < ROTATION_OVERLAP_MS) {
      return { kind: 'accepted', row, generation: current, rotate: false };
    }
    return { kind: 'reused', row };
  }

  private accepted(row: DeviceRow, generation: number, epoch: number): TrustCheck {
    const expiresAt = row.expires_at === null ? null : new Date(Number(row.expires_at));
    return { ok: true, deviceRecordId: row.id, kind: row.kind, verifiedAt: new Date(Number(row.verified_at)), token: this.tokenAt(row, generation, epoch), expiresAt };
  }

  private rotateParams(row: DeviceRow, input: TrustInput, now: Date): unknown[] {
    return [now.getTime(), now.getTime(), input.ip?.slice(0, 64) ?? null, row.id, Number(row.generation)];
  }

  /** The current token of a device record (what a poll hands the server after the member approved). */
  async tokenFor(recordId: string): Promise<{ token: string; expiresAt: Date | null } | null> {
    const row = (await this.db.raw<DeviceRow>(this.db.manager, DEVICE_BY_ID, [recordId]))[0];
    if (!row || row.revoked_at !== null) return null;
    const expiresAt = row.expires_at === null ? null : new Date(Number(row.expires_at));
    if (expiresAt && expiresAt <= this.clock.now()) return null;
    return { token: this.tokenAt(row, Number(row.generation), await this.currentEpoch()), expiresAt };
  }

  /**
   * Trust the device of a completed login challenge: a remembered browser (expires) or a paired TV/app
   * (until revoked). Earlier trust for the same device of this member on this server is replaced.
   */
  async trust(
    m: EntityManager,
    c: { id: string; memberId: string | null; serverId: string | null; deviceId: string | null; deviceName: string | null; client: string | null; ip: string | null },
    kind: DeviceKind,
    now: Date,
  ): Promise<MemberDeviceEntity | null> {
    if (!c.memberId || !c.serverId || !c.deviceId) return null;
    const member = (await this.db.raw<{ credential_version: number | string }>(m, 'SELECT credential_version FROM members WHERE id = ?', [c.memberId]))[0];
    if (!member) return null;
    const trustDays = kind === 'remembered' ? await this.settings.trustDays(m) : 0;
    await this.revokeRows(m, 'member_id = ? AND server_id = ? AND device_id = ?', [c.memberId, c.serverId, c.deviceId], 'replaced', now);
    const row = Object.assign(new MemberDeviceEntity(), {
      id: newId(),
      memberId: c.memberId,
      serverId: c.serverId,
      deviceId: c.deviceId,
      deviceName: c.deviceName,
      client: c.client,
      kind,
      generation: 0,
      credentialVersion: Number(member.credential_version),
      createdAt: now,
      verifiedAt: now,
      rotatedAt: null,
      lastUsedAt: now,
      lastIp: c.ip,
      expiresAt: kind === 'remembered' ? new Date(now.getTime() + trustDays * DAY_MS) : null,
      revokedAt: null,
      revokedReason: null,
    });
    await m.insert(MemberDeviceEntity, row);
    await this.db.exec(m, 'UPDATE challenges SET device_record_id = ? WHERE id = ?', [row.id, c.id]);
    if (kind === 'paired') await this.notifications.emit('device.paired', { memberId: c.memberId, deviceId: c.deviceId, deviceName: c.deviceName }, m);
    await this.audit.record({ type: kind === 'paired' ? 'device.paired' : 'device.remembered', outcome: 'success', memberId: c.memberId, ip: c.ip, details: { deviceRecordId: row.id, serverId: c.serverId, deviceId: c.deviceId, deviceName: c.deviceName, client: c.client, challengeId: c.id } }, m);
    return row;
  }

  /**
   * Makes every trust token ever issued invalid (the key they are signed with changes) and marks every
   * device revoked. For a suspected leak of the database or of tokens.
   */
  async rotateTrustKey(adminId: string): Promise<number> {
    const now = this.clock.now();
    const revoked = await this.db.write(async (m) => {
      const rows = await this.db.raw<{ value: string }>(m, 'SELECT value FROM system_settings WHERE name = ?', [EPOCH_SETTING]);
      const next = (rows[0] ? Number(rows[0].value) : 0) + 1;
      if (rows[0]) await this.db.exec(m, 'UPDATE system_settings SET value = ? WHERE name = ?', [String(next), EPOCH_SETTING]);
      else await this.db.exec(m, 'INSERT INTO system_settings (name, value, created_at) VALUES (?, ?, ?)', [EPOCH_SETTING, String(next), now.getTime()]);
      this.epoch = next;
      this.epochReadAt = now.getTime();
      const n = await this.revokeRows(m, '1 = 1', [], 'key_rotated', now);
      await this.audit.record({ type: 'devices.trust_key_rotated', outcome: 'success', adminId, details: { epoch: next, devicesRevoked: n } }, m);
      return n;
    });
    return revoked;
  }

  // ---- What a member (or the owner) sees and revokes -----------------------------------------

  async list(memberId: string): Promise<MemberDevice[]> {
    const now = this.clock.now().getTime();
    const rows = await this.db.raw<DeviceListRow>(
      this.db.manager,
      `SELECT d.id, d.kind, d.device_name, d.client, d.created_at, d.verified_at, d.last_used_at, d.last_ip, d.expires_at, s.name AS server_name
         FROM member_devices d JOIN servers s ON s.id = d.server_id
        WHERE d.member_id = ? AND d.revoked_at IS NULL AND (d.expires_at IS NULL OR d.expires_at > ?)
        ORDER BY d.created_at DESC`,
      [memberId, now],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      deviceName: r.device_name,
      client: r.client,
      serverName: r.server_name,
      createdAt: iso(new Date(Number(r.created_at))),
      verifiedAt: iso(new Date(Number(r.verified_at))),
      lastUsedAt: r.last_used_at === null ? null : iso(new Date(Number(r.last_used_at))),
      lastIp: r.last_ip,
      expiresAt: r.expires_at === null ? null : iso(new Date(Number(r.expires_at))),
    }));
  }

  async recentSignIns(memberId: string, limit = 20): Promise<RecentSignIn[]> {
    const rows = await this.db.raw<{ at: number | string; outcome: string; ip: string | null; details: string | null }>(
      this.db.manager,
      `SELECT at, outcome, ip, details FROM audit_events WHERE member_id = ? AND type = 'login.decision' ORDER BY seq DESC LIMIT ${Math.trunc(limit)}`,
      [memberId],
    );
    return rows.map((r) => {
      const d = safeJson(r.details);
      return { at: iso(new Date(Number(r.at))), outcome: r.outcome, deviceName: str(d['deviceName']), client: str(d['client']), ip: r.ip };
    });
  }

  async revoke(memberId: string, deviceRecordId: string, actor: Actor, ip: string | null): Promise<void> {
    const now = this.clock.now();
    const reason = actor.adminId ? 'revoked_by_owner' : 'revoked_by_member';
    const n = await this.db.write(async (m) => {
      const changed = await this.revokeRows(m, 'id = ? AND member_id = ?', [deviceRecordId, memberId], reason, now);
      if (changed) await this.audit.record({ type: 'device.revoked', outcome: 'success', memberId, adminId: actor.adminId ?? null, ip, details: { deviceRecordId, reason } }, m);
      return changed;
    });
    if (!n) throw AppException.notFound('device_not_found');
  }

  /**
   * "Sign out everywhere": every remembered and paired device, every other member-pages session. With
   * `emergency` ("I lost my phone") also every app password, and until the member proves it is them with
   * a recovery code or an e-mail code, nothing else answers a challenge.
   */
  async signOutEverywhere(memberId: string, actor: Actor, opts: { keepSessionId?: string; emergency?: boolean; ip?: string | null } = {}): Promise<RevokedCount> {
    const now = this.clock.now();
    const reason = opts.emergency ? 'lost_phone' : actor.adminId ? 'signed_out_by_owner' : 'signed_out_everywhere';
    return this.db.write(async (m) => {
      const devices = await credentialsChanged(this.db, m, memberId, reason, now);
      const sessions = await this.db.exec(m, 'UPDATE member_sessions SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL AND id <> ?', [now.getTime(), memberId, opts.keepSessionId ?? '']);
      let appPasswords = 0;
      if (opts.emergency || actor.adminId) {
        appPasswords = await this.db.exec(m, 'UPDATE app_passwords SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL', [now.getTime(), memberId]);
      }
      if (opts.emergency) await this.db.exec(m, 'UPDATE members SET emergency_at = ? WHERE id = ?', [now.getTime(), memberId]);
      const counts = { devices, appPasswords, sessions };
      await this.audit.record({ type: opts.emergency ? 'member.lost_phone' : 'member.signed_out_everywhere', outcome: 'success', memberId, adminId: actor.adminId ?? null, ip: opts.ip ?? null, details: counts }, m);
      return counts;
    });
  }

  /** For servers that poll instead of taking webhooks: device trust revoked since a cursor, oldest first. */
  async revocations(serverId: string, since: string | undefined, limit: number): Promise<RevocationList> {
    const [atText, idText] = (since ?? '0').split(':');
    const at = Number(atText);
    const rows = await this.db.raw<{ id: string; device_id: string; kind: DeviceKind; revoked_at: number | string; revoked_reason: string | null; external_id: string }>(
      this.db.manager,
      `SELECT d.id, d.device_id, d.kind, d.revoked_at, d.revoked_reason, mb.external_id
         FROM member_devices d JOIN members mb ON mb.id = d.member_id
        WHERE d.server_id = ? AND d.revoked_at IS NOT NULL AND (d.revoked_at > ? OR (d.revoked_at = ? AND d.id > ?))
        ORDER BY d.revoked_at, d.id LIMIT ${Math.trunc(limit)}`,
      [serverId, at, at, idText ?? ''],
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({ memberExternalId: r.external_id, deviceId: r.device_id, kind: r.kind, revokedAt: iso(new Date(Number(r.revoked_at))), reason: r.revoked_reason ?? 'revoked' })),
      next: last ? `${Number(last.revoked_at)}:${last.id}` : (since ?? null),
    };
  }

  // ---- App passwords ---------------------------------------------------------------------------

  async createAppPassword(memberId: string, name: string, ip: string | null): Promise<AppPasswordCreated> {
    const now = this.clock.now();
    const secret = randomToken(24);
    const password = `${APP_PASSWORD_PREFIX}_${secret}`;
    const row = Object.assign(new AppPasswordEntity(), {
      id: newId(),
      memberId,
      name,
      secretHash: this.appPasswordHash(password),
      prefix: password.slice(0, 12),
      createdAt: now,
      lastUsedAt: null,
      lastIp: null,
      revokedAt: null,
    });
    await this.db.write(async (m) => {
      await m.insert(AppPasswordEntity, row);
      await this.audit.record({ type: 'app_password.created', outcome: 'success', memberId, ip, details: { appPasswordId: row.id, name } }, m);
    });
    return { ...toAppPassword(row), password };
  }

  async listAppPasswords(memberId: string): Promise<AppPassword[]> {
    const rows = await this.db.manager.find(AppPasswordEntity, { where: { memberId }, order: { createdAt: 'DESC' } });
    return rows.filter((r) => r.revokedAt === null).map(toAppPassword);
  }

  async revokeAppPassword(memberId: string, id: string, actor: Actor, ip: string | null): Promise<void> {
    const now = this.clock.now();
    const n = await this.db.write(async (m) => {
      const changed = await this.db.exec(m, 'UPDATE app_passwords SET revoked_at = ? WHERE id = ? AND member_id = ? AND revoked_at IS NULL', [now.getTime(), id, memberId]);
      if (changed) await this.audit.record({ type: 'app_password.revoked', outcome: 'success', memberId, adminId: actor.adminId ?? null, ip, details: { appPasswordId: id } }, m);
      return changed;
    });
    if (!n) throw AppException.notFound('app_password_not_found');
  }

  /** Whether `password` is a live app password of this member (one keyed-hash lookup, no slow hash: it is 192 random bits). */
  async checkAppPassword(memberId: string, password: string, ip: string | null): Promise<{ ok: boolean; id?: string }> {
    if (!password.startsWith(`${APP_PASSWORD_PREFIX}_`)) return { ok: false };
    const rows = await this.db.raw<{ id: string; member_id: string; revoked_at: number | string | null }>(
      this.db.manager,
      'SELECT id, member_id, revoked_at FROM app_passwords WHERE secret_hash = ?',
      [this.appPasswordHash(password)],
    );
    const row = rows[0];
    if (!row || row.member_id !== memberId || row.revoked_at !== null) return { ok: false };
    const now = this.clock.now().getTime();
    await this.db.write((m) => this.db.exec(m, 'UPDATE app_passwords SET last_used_at = ?, last_ip = ? WHERE id = ?', [now, ip?.slice(0, 64) ?? null, row.id]));
    return { ok: true, id: row.id };
  }

  // ---- Internals -----------------------------------------------------------------------------

  private appPasswordHash(password: string): string {
    return hmacSha256(this.crypto.lookupKey, `app-password\n${password}`).toString('hex');
  }

  private revokeRows(m: EntityManager, where: string, params: unknown[], reason: string, now: Date): Promise<number> {
    return revokeDevices(this.db, m, where, params, reason, now);
  }

  private tokenAt(row: DeviceRow, generation: number, epoch: number): string {
    return `${TOKEN_PREFIX}.${row.id}.${generation}.${this.signature(row, generation, epoch)}`;
  }

  private signature(row: DeviceRow, generation: number, epoch: number): string {
    const expires = row.expires_at === null ? 0 : Number(row.expires_at);
    return this.crypto.sign(`trust-token:${epoch}`, [row.id, generation, row.member_id, row.server_id, row.device_id, Number(row.credential_version), expires, row.kind].join('\n'));
  }

  private epochNow(sync: SqliteSync, now: Date): number {
    if (now.getTime() - this.epochReadAt < EPOCH_REFRESH_MS && now.getTime() >= this.epochReadAt) return this.epoch;
    this.epoch = Number(sync.get<{ value: string }>('SELECT value FROM system_settings WHERE name = ?', [EPOCH_SETTING])?.value ?? 0);
    this.epochReadAt = now.getTime();
    return this.epoch;
  }

  private async currentEpoch(): Promise<number> {
    const now = this.clock.now().getTime();
    if (now - this.epochReadAt < EPOCH_REFRESH_MS && now >= this.epochReadAt) return this.epoch;
    const rows = await this.db.raw<{ value: string }>(this.db.manager, 'SELECT value FROM system_settings WHERE name = ?', [EPOCH_SETTING]);
    this.epoch = rows[0] ? Number(rows[0].value) : 0;
    this.epochReadAt = now;
    return this.epoch;
  }
}

const DEVICE_BY_ID = 'SELECT id, member_id, server_id, device_id, kind, generation, credential_version, verified_at, rotated_at, expires_at, revoked_at FROM member_devices WHERE id = ?';
const ROTATE = 'UPDATE member_devices SET generation = generation + 1, rotated_at = ?, last_used_at = ?, last_ip = ? WHERE id = ? AND generation = ? AND revoked_at IS NULL';

export interface TrustInput {
  memberId: string;
  credentialVersion: number;
  serverId: string;
  deviceId: string;
  token: string;
  ip: string | null;
  /** Logins rotate the token; access checks only check it. */
  rotate: boolean;
}

interface ParsedToken {
  recordId: string;
  generation: number;
  signature: string;
}

type Verdict =
  | { kind: 'failed'; check: TrustCheck }
  | { kind: 'accepted'; row: DeviceRow; generation: number; rotate: boolean }
  | { kind: 'reused'; row: DeviceRow };

interface DeviceListRow {
  id: string;
  kind: DeviceKind;
  device_name: string | null;
  client: string | null;
  created_at: number | string;
  verified_at: number | string;
  last_used_at: number | string | null;
  last_ip: string | null;
  expires_at: number | string | null;
  server_name: string;
}

function parseToken(token: string): ParsedToken | null {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX) return null;
  const [, recordId, gen, signature] = parts as [string, string, string, string];
  if (!/^[0-9a-f-]{36}$/.test(recordId) || !/^\d{1,9}$/.test(gen) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return null;
  return { recordId, generation: Number(gen), signature };
}

function toAppPassword(r: AppPasswordEntity): AppPassword {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: iso(r.createdAt), lastUsedAt: isoOrNull(r.lastUsedAt), lastIp: r.lastIp };
}

function safeJson(text: string | null): Record<string, unknown> {
  try {
    const v: unknown = text ? JSON.parse(text) : {};
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
