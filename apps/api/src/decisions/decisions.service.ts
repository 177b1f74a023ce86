import { Inject, Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { AccessRequest, ChallengeStatus, DecisionResponse, LoginDecisionRequest } from '@latchkey/contracts';
import { decide, resolveClientIp, type Decision, type DecisionInput, type FactorKind, type Policy as EnginePolicy } from '@latchkey/policy-engine';
import type { ServerPrincipal } from '../common/principal';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CryptoService } from '../crypto/crypto.service';
import { hmacSha256 } from '../crypto/primitives';
import { Db } from '../database/db';
import { ChallengeEntity, LibraryEntity, MemberEntity, MemberLinkEntity } from '../database/entities';
import { randomToken, sha256Hex } from '../crypto/primitives';
import { MemberFactsRepository } from '../policies/member-facts.repository';

const CHALLENGE_TTL_MS = 10 * 60_000;
const LINK_TTL_MS = 15 * 60_000;
const POLL_INTERVAL_S = 5;
/** RFC 8628 user-code alphabet: no vowels (no words), no look-alikes. 8 characters ≈ 37 bits. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/**
 * The questions a media server asks: "may this member sign in?" and "may they open this library?".
 * The policy engine decides; this service gathers the facts (a few indexed reads), records the decision,
 * and for `challenge` opens a challenge the member completes on their pages.
 */
@Injectable()
export class DecisionsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly facts: MemberFactsRepository,
    private readonly audit: AuditService,
    private readonly crypto: CryptoService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(caller: ServerPrincipal, req: LoginDecisionRequest): Promise<DecisionResponse> {
    const now = this.clock.now();
    const serverId = caller.serverId;
    const member = await this.findOrAddMember(serverId, req.member.externalId, req.member.username, now);
    const client = this.clientIp(caller, req.ip);
    const input: DecisionInput = {
      now,
      action: 'login',
      libraryId: null,
      member: await this.facts.factsFor(member, now),
      policies: await this.policies(),
      client,
      device: { trusted: false, verifiedAt: null },
    };
    const decision = decide(input);
    const clientName = `${req.client.name}${req.client.version ? ` ${req.client.version}` : ''}`;
    let challenge: DecisionResponse['challenge'] = null;
    let enrolUrl: string | null = null;
    if (decision.decision === 'challenge' || needsEnrolLink(decision)) {
      await this.db.write(async (m) => {
        if (decision.decision === 'challenge') challenge = await this.openChallenge(m, serverId, member.id, req, clientName, decision, client.ip, now);
        if (needsEnrolLink(decision)) enrolUrl = await this.enrolLink(m, member.id, now);
      });
    }
    this.audit.recordSoon({
      type: 'login.decision',
      outcome: decision.decision,
      memberId: member.id,
      ip: client.ip,
      details: { serverId, deviceId: req.device.id, client: clientName, policyIds: decision.policyIds, reasons: decision.reasons.map((r) => r.code), challengeId: (challenge as { id: string } | null)?.id ?? null },
    });
    return this.respond(decision, enrolUrl, challenge, serverId);
  }

  async access(caller: ServerPrincipal, req: AccessRequest): Promise<DecisionResponse> {
    const now = this.clock.now();
    const serverId = caller.serverId;
    const member = await this.findMember(serverId, req.member.externalId);
    if (!member) throw AppException.notFound('member_not_found');
    const library = await this.db.manager.findOneBy(LibraryEntity, { serverId, externalId: req.library.externalId, removedAt: IsNull() });
    if (!library) throw AppException.validation([{ path: 'library.externalId', message: 'no such library in this server’s directory' }]);
    let verifiedAt: Date | null = null;
    if (req.challengeId) {
      const c = await this.db.manager.findOneBy(ChallengeEntity, { id: req.challengeId, memberId: member.id, serverId, deviceId: req.device.id, status: 'completed' });
      verifiedAt = c?.completedAt ?? null;
    }
    const decision = decide({
      now,
      action: 'access',
      libraryId: library.id,
      member: await this.facts.factsFor(member, now),
      policies: await this.policies(),
      client: this.clientIp(caller, req.ip),
      device: { trusted: false, verifiedAt },
    });
    let challenge: DecisionResponse['challenge'] = null;
    let enrolUrl: string | null = null;
    await this.db.write(async (m) => {
      if (decision.decision === 'challenge') {
        challenge = await this.openChallenge(m, serverId, member.id, { device: { id: req.device.id } }, 'library access', decision, null, now);
      }
      if (needsEnrolLink(decision)) enrolUrl = await this.enrolLink(m, member.id, now);
      await this.audit.record(
        { type: 'access.decision', outcome: decision.decision, memberId: member.id, details: { serverId, libraryId: library.id, deviceId: req.device.id, policyIds: decision.policyIds, reasons: decision.reasons.map((r) => r.code) } } ,
        m,
      );
    });
    return this.respond(decision, enrolUrl, challenge, serverId);
  }

  /** Polling, RFC 8628 style: answering faster than `interval` gets `slowDown` and a longer interval. */
  async poll(serverId: string, challengeId: string): Promise<ChallengeStatus> {
    const now = this.clock.now();
    const c = await this.db.manager.findOneBy(ChallengeEntity, { id: challengeId, serverId });
    if (!c) throw AppException.notFound('challenge_not_found');
    const interval = c.pollInterval ?? POLL_INTERVAL_S;
    const tooFast = c.lastPolledAt !== null && now.getTime() - c.lastPolledAt.getTime() < interval * 1000;
    const nextInterval = tooFast ? interval + 5 : interval;
    await this.db.write((m) => m.update(ChallengeEntity, { id: c.id }, { lastPolledAt: now, pollInterval: nextInterval }));
    const status = c.status === 'pending' && c.expiresAt <= now ? 'expired' : c.status;
    let completion: ChallengeStatus['completion'] = null;
    if (status === 'completed' && c.completedAt && c.memberId) {
      const member = await this.db.manager.findOneByOrFail(MemberEntity, { id: c.memberId });
      completion = { token: this.completionToken(c, member.externalId), memberExternalId: member.externalId, deviceId: c.deviceId ?? '', completedAt: iso(c.completedAt) };
    }
    return { id: c.id, status, interval: nextInterval, slowDown: tooFast, expiresAt: iso(c.expiresAt), completion };
  }

  /**
   * What the media server can keep and check later: `v1.<challenge>.<completed ms>.<signature>` over the
   * member, device and server, signed with Latchkey's signing key.
   */
  completionToken(c: ChallengeEntity, memberExternalId: string): string {
    const completed = c.completedAt?.getTime() ?? 0;
    const body = `v1.${c.id}.${completed}`;
    const sig = this.crypto.sign('challenge-completion', `${body}.${c.serverId}.${memberExternalId}.${c.deviceId ?? ''}`);
    return `${body}.${sig}`;
  }

  private async openChallenge(
    m: Parameters<Parameters<Db['write']>[0]>[0],
    serverId: string,
    memberId: string,
    req: { device: { id: string; name?: string } },
    client: string,
    decision: Decision,
    ip: string | null,
    now: Date,
  ): Promise<NonNullable<DecisionResponse['challenge']>> {
    const userCode = newUserCode();
    const row: ChallengeEntity = Object.assign(new ChallengeEntity(), {
      id: newId(),
      memberId,
      adminId: null,
      purpose: 'login',
      status: 'pending' as const,
      attempts: 0,
      maxAttempts: this.config.verification.challengeAttempts,
      sessionId: null,
      ip: ip?.slice(0, 64) ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
      completedAt: null,
      completedMethod: null,
      serverId,
      deviceId: req.device.id,
      deviceName: req.device.name ?? null,
      client,
      userCodeHash: this.userCodeHash(userCode),
      acceptedFactors: JSON.stringify(decision.acceptedFactors),
      pollInterval: POLL_INTERVAL_S,
      lastPolledAt: null,
    });
    await m.insert(ChallengeEntity, row);
    const link = await this.memberLink(m, memberId, 'verify', now);
    return {
      id: row.id,
      expiresAt: iso(row.expiresAt),
      portalUrl: `${this.config.publicUrl}/verify#link=${link}&challenge=${row.id}`,
      userCode: `${userCode.slice(0, 4)}-${userCode.slice(4)}`,
      verificationUri: `${this.config.publicUrl}/pair`,
      interval: POLL_INTERVAL_S,
      methods: decision.acceptedFactors as FactorKind[],
    };
  }

  private async enrolLink(m: Parameters<Parameters<Db['write']>[0]>[0], memberId: string, now: Date): Promise<string> {
    return `${this.config.publicUrl}/enrol#link=${await this.memberLink(m, memberId, 'enrol', now)}`;
  }

  private async memberLink(m: Parameters<Parameters<Db['write']>[0]>[0], memberId: string, purpose: string, now: Date): Promise<string> {
    const token = randomToken(32);
    await m.insert(MemberLinkEntity, Object.assign(new MemberLinkEntity(), { id: newId(), memberId, purpose, tokenHash: sha256Hex(token), createdAt: now, expiresAt: new Date(now.getTime() + LINK_TTL_MS), usedAt: null }));
    return token;
  }

  private userCodeHash(code: string): string {
    return hmacSha256(this.crypto.lookupKey, `user-code\n${code}`).toString('hex');
  }

  private async respond(decision: Decision, enrolUrl: string | null, challenge: DecisionResponse['challenge'], serverId: string): Promise<DecisionResponse> {
    let restricted: DecisionResponse['restrictedLibraries'] = decision.restrictedLibraries === 'all' ? 'all' : [];
    if (Array.isArray(decision.restrictedLibraries) && decision.restrictedLibraries.length) {
      const rows = await this.db.raw<{ external_id: string }>(
        this.db.manager,
        `SELECT external_id FROM directory_libraries WHERE server_id = ? AND id IN (${decision.restrictedLibraries.map(() => '?').join(', ')})`,
        [serverId, ...decision.restrictedLibraries],
      );
      restricted = rows.map((r) => r.external_id);
    }
    return {
      decision: decision.decision,
      reasons: decision.reasons,
      explanation: decision.explanation,
      deadline: decision.deadline ? iso(decision.deadline) : null,
      daysLeft: decision.daysLeft,
      enrolUrl,
      challenge,
      restrictedLibraries: restricted,
    };
  }

  /** Live policies, read raw (every decision reads them; a handful of rows). */
  private async policies(): Promise<EnginePolicy[]> {
    const rows = await this.db.raw<PolicyRow>(this.db.manager, `SELECT ${POLICY_COLUMNS} FROM policies WHERE deleted_at IS NULL`);
    return rows.map(policyFromRow);
  }

  private clientIp(caller: ServerPrincipal, ip: LoginDecisionRequest['ip']) {
    if (!ip) return { ip: null, ipTrusted: false };
    const r = resolveClientIp(ip.peer, ip.forwardedFor, caller.trustedProxies);
    return { ip: r.ip, ipTrusted: r.trusted };
  }

  private async findMember(serverId: string, externalId: string): Promise<{ id: string; externalId: string; firstSeenAt: Date; removedAt: Date | null } | null> {
    const rows = await this.db.raw<{ id: string; first_seen_at: string | number; removed_at: string | number | null }>(
      this.db.manager,
      'SELECT id, first_seen_at, removed_at FROM members WHERE server_id = ? AND external_id = ?',
      [serverId, externalId],
    );
    const r = rows[0];
    return r ? { id: r.id, externalId, firstSeenAt: new Date(Number(r.first_seen_at)), removedAt: r.removed_at === null ? null : new Date(Number(r.removed_at)) } : null;
  }

  /** A member the directory has not pushed yet is added on first sign-in (with their own grace period). */
  private async findOrAddMember(serverId: string, externalId: string, username: string | undefined, now: Date): Promise<{ id: string; externalId: string; firstSeenAt: Date; removedAt: Date | null }> {
    const found = await this.findMember(serverId, externalId);
    if (found) return found;
    if (!username) throw AppException.notFound('member_not_found', 'This member is not in the directory yet: send `member.username` or sync the directory.');
    const row = Object.assign(new MemberEntity(), { id: newId(), serverId, externalId, username, displayName: null, email: null, firstSeenAt: now, updatedAt: now, removedAt: null });
    await this.db.write(async (m) => {
      await m.createQueryBuilder().insert().into(MemberEntity).values(row).orIgnore().execute();
    });
    const added = await this.findMember(serverId, externalId);
    if (!added) throw AppException.notFound('member_not_found');
    return added;
  }
}

/** In grace, past the deadline, or let in with libraries restricted: the member gets a way to enrol. */
function needsEnrolLink(d: Decision): boolean {
  return d.decision === 'allow_in_grace' || d.decision === 'enrol_required' || d.reasons.some((r) => r.code === 'restricted_library');
}

function newUserCode(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 20).
  for (const b of bytes) {
    if (b >= 240) continue;
    out += USER_CODE_ALPHABET[b % 20];
    if (out.length === 8) break;
  }
  return out.length === 8 ? out : newUserCode();
}


export const POLICY_COLUMNS = 'id, name, enabled, groups, libraries, grace_period_days, accepted, allow_email, enforcement, reverify_after_hours, bypass_cidrs, first_activated_at';

export interface PolicyRow {
  id: string;
  name: string;
  enabled: number | boolean;
  groups: string;
  libraries: string;
  grace_period_days: number;
  accepted: 'any' | 'phishing_resistant';
  allow_email: number | boolean;
  enforcement: 'block' | 'restrict';
  reverify_after_hours: number | null;
  bypass_cidrs: string;
  first_activated_at: string | number | null;
}

export function policyFromRow(r: PolicyRow): EnginePolicy {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === true || r.enabled === 1,
    groups: JSON.parse(r.groups) as string[],
    libraries: JSON.parse(r.libraries) as string[],
    gracePeriodDays: r.grace_period_days,
    accepted: r.accepted,
    allowEmail: r.allow_email === true || r.allow_email === 1,
    enforcement: r.enforcement,
    reverifyAfterHours: r.reverify_after_hours,
    bypassCidrs: JSON.parse(r.bypass_cidrs) as string[],
    firstActivatedAt: r.first_activated_at === null ? null : new Date(Number(r.first_activated_at)),
  };
}
