import { Inject, Injectable } from '@nestjs/common';
import type { PairingRequest, PairingStarted } from '@latchkey/contracts';
import { ipInCidrs } from '@latchkey/policy-engine';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso } from '../common/ids';
import type { MemberPrincipal } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CryptoService } from '../crypto/crypto.service';
import { hmacSha256 } from '../crypto/primitives';
import { Db } from '../database/db';
import { ChallengeEntity, MemberSessionEntity } from '../database/entities';
import { DevicesService } from '../devices/devices.service';
import { VerificationService } from '../verification/verification.service';
import { ThrottleService } from '../verification/throttle.service';
import { MemberSessionsService } from './member-sessions.service';

const HOUR_MS = 3_600_000;
/** Wrong codes tried across all addresses in an hour before /pair pauses for everyone (a distributed guess). */
const GLOBAL_PAIRING_FAILURES_PER_HOUR = 10_000;
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10'];
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/**
 * Pairing a TV or an app that cannot show a prompt (RFC 8628 style): the TV shows a code, the member types it
 * at /pair on their phone, proves it is them with a factor, sees what is asking and approves or denies.
 *
 * The code alone opens a session good for nothing but that: confirming it is the member, then reading and
 * answering that one request. Codes are 8 letters from a 20-letter alphabet (≈ 34.6 bits), stored as a keyed
 * hash, single use, expire with their challenge, and guessing is rate-limited per address and overall.
 */
@Injectable()
export class PairingService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly throttle: ThrottleService,
    private readonly sessions: MemberSessionsService,
    private readonly verification: VerificationService,
    private readonly devices: DevicesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(userCode: string, client: { ip: string; userAgent?: string }): Promise<{ token: string; session: MemberSessionEntity; started: PairingStarted }> {
    const now = this.clock.now();
    const allowed =
      (await this.throttle.consume(`pairing:ip:${client.ip}`, { max: this.config.devices.pairingAttemptsPerIpPerHour, windowMs: HOUR_MS })) &&
      !(await this.throttle.isLocked('pairing:failures'));
    if (!allowed) {
      await this.audit.record({ type: 'pairing.start', outcome: 'denied', ip: client.ip, details: { reason: 'rate limited' } });
      throw new AppException(429, 'rate_limited', 'Too many codes were tried from here. Wait a while, then type the code your TV shows now.');
    }
    const hash = hmacSha256(this.crypto.lookupKey, `user-code\n${userCode}`).toString('hex');
    const c = await this.db.manager.findOneBy(ChallengeEntity, { userCodeHash: hash });
    if (!c || !c.memberId || c.purpose !== 'login' || c.status !== 'pending' || c.expiresAt <= now) {
      await this.throttle.consume('pairing:failures', { max: GLOBAL_PAIRING_FAILURES_PER_HOUR, windowMs: HOUR_MS, lockMs: HOUR_MS });
      await this.audit.record({ type: 'pairing.start', outcome: 'failure', ip: client.ip, details: { reason: c ? 'not pending' : 'unknown code' } });
      throw new AppException(400, 'pairing_code_invalid');
    }
    const memberId = c.memberId;
    const opened = await this.db.write(async (m) => {
      const s = await this.sessions.openPairingSession(m, memberId, c.id, client);
      await this.audit.record({ type: 'pairing.start', outcome: 'success', memberId, ip: client.ip, details: { challengeId: c.id } }, m);
      return s;
    });
    const step = await this.verification.create({ kind: 'member', id: memberId }, 'step_up', { sessionId: opened.session.id, ip: client.ip });
    return {
      ...opened,
      started: {
        serverName: await this.sessions.serverName(c.serverId ?? ''),
        expiresAt: iso(c.expiresAt),
        verificationChallengeId: step.id,
        csrfToken: this.sessions.csrfTokenFor(opened.session.id),
      },
    };
  }

  /** What is asking: shown only once the member has proved it is them. */
  async describe(me: MemberPrincipal): Promise<PairingRequest> {
    const c = await this.request(me);
    return this.toRequest(c);
  }

  async approve(me: MemberPrincipal, ip: string): Promise<PairingRequest> {
    return this.answer(me, ip, 'completed');
  }

  async deny(me: MemberPrincipal, ip: string): Promise<PairingRequest> {
    return this.answer(me, ip, 'denied');
  }

  private async answer(me: MemberPrincipal, ip: string, status: 'completed' | 'denied'): Promise<PairingRequest> {
    const c = await this.request(me);
    const now = this.clock.now();
    const answered = await this.db.write(async (m) => {
      const changed = await this.db.exec(
        m,
        `UPDATE challenges SET status = ?, completed_at = ?, completed_method = ?, remember_device = ? WHERE id = ? AND member_id = ? AND status = 'pending' AND expires_at > ?`,
        [status, now.getTime(), status === 'completed' ? 'pairing' : null, status === 'completed' ? 1 : 0, c.id, me.memberId, now.getTime()],
      );
      if (changed !== 1) return false;
      if (status === 'completed') await this.devices.trust(m, c, 'paired', now);
      else await this.audit.record({ type: 'pairing.denied', outcome: 'success', memberId: me.memberId, ip, details: { challengeId: c.id, deviceName: c.deviceName, client: c.client } }, m);
      // The code's session has done its one job.
      await this.db.exec(m, 'UPDATE member_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now.getTime(), me.sessionId]);
      return true;
    });
    if (!answered) throw new AppException(400, 'pairing_code_invalid', 'This request was already answered, or it has expired.');
    return this.toRequest({ ...c, status, completedAt: now });
  }

  private async request(me: MemberPrincipal): Promise<ChallengeEntity> {
    if (me.scope !== 'pairing' || !me.pairingChallengeId) throw AppException.notFound('challenge_not_found');
    if (!me.recentlyVerified) throw new AppException(403, 'verification_required');
    const c = await this.db.manager.findOneBy(ChallengeEntity, { id: me.pairingChallengeId, memberId: me.memberId });
    if (!c) throw AppException.notFound('challenge_not_found');
    return c;
  }

  private async toRequest(c: ChallengeEntity): Promise<PairingRequest> {
    const expired = c.status === 'pending' && c.expiresAt <= this.clock.now();
    return {
      challengeId: c.id,
      status: expired ? 'expired' : (c.status as PairingRequest['status']),
      serverName: await this.sessions.serverName(c.serverId ?? ''),
      deviceName: c.deviceName,
      client: c.client,
      ip: c.ip,
      location: locationHint(c.ip),
      requestedAt: iso(c.createdAt),
      expiresAt: iso(c.expiresAt),
    };
  }
}

/** Plain words for where a request comes from. No geolocation database: the kind of network, and the address. */
export function locationHint(ip: string | null): string {
  if (!ip) return 'an unknown place (your media server did not say)';
  if (ipInCidrs(ip, LOOPBACK)) return `the media server itself (${ip})`;
  if (ipInCidrs(ip, PRIVATE)) return `a private network, probably your home or the server’s (${ip})`;
  return `the internet (${ip})`;
}
