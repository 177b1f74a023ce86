import { Inject, Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { AccessRequest, ChallengeStatus, DecisionResponse, LoginDecisionRequest, checkReturnUrl } from '@latchkey/contracts';
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
import { ChallengeEntity, LibraryEntity, MemberEntity, MemberLinkEntity, ServerEntity } from '../database/entities';
import { randomToken, sha256Hex } from '../crypto/primitives';
import { memberSearchText } from '../directory/search-text';
import { POLICIES, PolicyRow, policyFromRow } from '../policies/policy-rows';
import { MemberFactsRepository } from '../policies/member-facts.repository';
import { DevicesService, TrustCheck } from '../devices/devices.service';
import { returnOrigins } from '../servers/return-origins';

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
    private readonly devices: DevicesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(caller: ServerPrincipal, req: LoginDecisionRequest): Promise<DecisionResponse> {
    const now = this.clock.now();
    const serverId = caller.serverId;
    const returnUrl = req.returnUrl === undefined ? null : checkedReturnUrl(req.returnUrl, await this.db.manager.findOneBy(ServerEntity, { id: serverId }));
    const member = await this.findOrAddMember(serverId, req.member.externalId, req.member.username, now);
    const client = this.clientIp(caller, req.ip);
    const clientName = `${req.client.name}${req.client.version ? ` ${req.client.version}` : ''}`;
    const trust = req.trustToken
      ? await this.devices.checkTrust({ memberId: member.id, credentialVersion: member.credentialVersion, serverId, deviceId: req.device.id, token: req.trustToken, ip: client.ip, rotate: true })
      : null;
    const appPassword = req.appPassword ? await this.devices.checkAppPassword(member.id, req.appPassword, client.ip) : null;
    const audit = loginAudit(serverId, member.id, client.ip, req, clientName, trust, appPassword);
    if (appPassword && !appPassword.ok) {
      // An app password that is wrong or revoked is refused outright: the app cannot answer a challenge anyway.
      this.audit.recordSoon({ ...audit, outcome: 'deny', details: { ...audit.details, reasons: ['app_password_invalid'] } });
      return refusedAppPassword();
    }
    const input: DecisionInput = {
      now,
      action: 'login',
      libraryId: null,
      member: await this.facts.factsFor(member, now),
      policies: await this.policies(),
      client,
      device: { trusted: trust?.ok === true, verifiedAt: trust?.ok ? trust.verifiedAt : null, appPassword: appPassword?.ok === true },
    };
    const decision = decide(input);
    if (member.emergencyAt && decision.decision === 'challenge') {
      // "I lost my phone": only a recovery code or an e-mail code until the member is back in.
      decision.acceptedFactors = decision.acceptedFactors.filter((k) => k === 'recovery_codes' || k === 'email');
    }
    let challenge: DecisionResponse['challenge'] = null;
    let enrolUrl: string | null = null;
    if (decision.decision === 'challenge' || needsEnrolLink(decision)) {
      await this.db.write(async (m) => {
        if (decision.decision === 'challenge') challenge = await this.openChallenge(m, serverId, member.id, { ...req, returnUrl }, clientName, decision, client.ip, now);
        if (needsEnrolLink(decision)) enrolUrl = await this.enrolLink(m, member.id, now);
      });
    }
    this.audit.recordSoon({
      ...audit,
      outcome: decision.decision,
      details: { ...audit.details, policyIds: decision.policyIds, reasons: decision.reasons.map((r) => r.code), challengeId: (challenge as { id: string } | null)?.id ?? null },
    });
    const answer = await this.respond(decision, enrolUrl, challenge, serverId);
    if (trust?.ok) {
      answer.trustToken = trust.token;
      answer.trustExpiresAt = trust.expiresAt ? iso(trust.expiresAt) : null;
    }
    return answer;
  }

  /**
   * The login hot path, answered synchronously from SQLite when the answer needs no write but the
   * remembered device's token rotation: a member on a remembered device, no policy, LAN bypass, an
   * exemption, a removed member. Anything else (a challenge or enrolment link to create, a member to add,
   * an app password, a replayed token, PostgreSQL) returns null and takes `login()`. Same facts, same
   * engine, same answer and audit entry.
   */
  loginNow(caller: ServerPrincipal, req: LoginDecisionRequest): DecisionResponse | null {
    const sync = this.db.sync;
    if (!sync || req.appPassword) return null;
    if (req.returnUrl !== undefined) {
      // Checked here as on the slow path; a refused one takes the slow path, which answers the error.
      const server = sync.get<{ base_url: string; web_origins: string | null }>('SELECT base_url, web_origins FROM servers WHERE id = ?', [caller.serverId]);
      if (!server || !checkReturnUrl(req.returnUrl, returnOrigins({ baseUrl: server.base_url, webOrigins: server.web_origins })).ok) return null;
    }
    const now = this.clock.now();
    const member = memberRef(sync.get<MemberRow>(MEMBER_BY_EXTERNAL_ID, [caller.serverId, req.member.externalId]), req.member.externalId);
    if (!member || member.emergencyAt) return null;
    const client = this.clientIp(caller, req.ip);
    const trusted = req.trustToken
      ? this.devices.checkTrustNow({ memberId: member.id, credentialVersion: member.credentialVersion, serverId: caller.serverId, deviceId: req.device.id, token: req.trustToken, ip: client.ip, rotate: true })
      : null;
    if (req.trustToken && !trusted) return null;
    const facts = this.facts.factsNow(member, now);
    if (!facts) return null;
    const decision = decide({
      now,
      action: 'login',
      libraryId: null,
      member: facts,
      policies: sync.all<PolicyRow>(POLICIES).map(policyFromRow),
      client,
      device: { trusted: trusted?.check.ok === true, verifiedAt: trusted?.check.ok ? trusted.check.verifiedAt : null },
    });
    if ((decision.decision !== 'allow' && decision.decision !== 'deny') || needsEnrolLink(decision) || Array.isArray(decision.restrictedLibraries) && decision.restrictedLibraries.length) return null;
    let trust = trusted?.check ?? null;
    if (trusted?.rotate) {
      trust = trusted.rotate();
      if (!trust) return null;
    }
    const clientName = `${req.client.name}${req.client.version ? ` ${req.client.version}` : ''}`;
    const audit = loginAudit(caller.serverId, member.id, client.ip, req, clientName, trust, null);
    this.audit.recordSoon({ ...audit, outcome: decision.decision, details: { ...audit.details, policyIds: decision.policyIds, reasons: decision.reasons.map((r) => r.code), challengeId: null } });
    return {
      ...answerOf(decision, null, null, decision.restrictedLibraries === 'all' ? 'all' : []),
      trustToken: trust?.ok ? trust.token : null,
      trustExpiresAt: trust?.ok && trust.expiresAt ? iso(trust.expiresAt) : null,
    };
  }

  async access(caller: ServerPrincipal, req: AccessRequest): Promise<DecisionResponse> {
    const now = this.clock.now();
    const serverId = caller.serverId;
    const member = await this.findMember(serverId, req.member.externalId);
    if (!member) throw AppException.notFound('member_not_found');
    const library = await this.db.manager.findOneBy(LibraryEntity, { serverId, externalId: req.library.externalId, removedAt: IsNull() });
    if (!library) throw AppException.validation([{ path: 'library.externalId', message: 'no such library in this server’s directory' }]);
    let verifiedAt: Date | null = null;
    let trusted = false;
    if (req.challengeId) {
      const c = await this.db.manager.findOneBy(ChallengeEntity, { id: req.challengeId, memberId: member.id, serverId, deviceId: req.device.id, status: 'completed' });
      verifiedAt = c?.completedAt ?? null;
    }
    if (req.trustToken) {
      const clientIp = this.clientIp(caller, req.ip).ip;
      const t = await this.devices.checkTrust({ memberId: member.id, credentialVersion: member.credentialVersion, serverId, deviceId: req.device.id, token: req.trustToken, ip: clientIp, rotate: false });
      if (t.ok) {
        trusted = true;
        if (!verifiedAt || t.verifiedAt > verifiedAt) verifiedAt = t.verifiedAt;
      }
    }
    const decision = decide({
      now,
      action: 'access',
      libraryId: library.id,
      member: await this.facts.factsFor(member, now),
      policies: await this.policies(),
      client: this.clientIp(caller, req.ip),
      device: { trusted, verifiedAt },
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
      const trust = c.deviceRecordId ? await this.devices.tokenFor(c.deviceRecordId) : null;
      completion = {
        token: this.completionToken(c, member.externalId),
        memberExternalId: member.externalId,
        deviceId: c.deviceId ?? '',
        completedAt: iso(c.completedAt),
        trustToken: trust?.token ?? null,
        trustExpiresAt: trust?.expiresAt ? iso(trust.expiresAt) : null,
      };
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
    req: { device: { id: string; name?: string }; returnUrl?: string | null },
    client: string,
    decision: Decision,
    ip: string | null,
    now: Date,
  ): Promise<NonNullable<DecisionResponse['challenge']>> {
    await this.capPending(m, memberId, now);
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
      returnUrl: req.returnUrl ?? null,
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

  /**
   * Open sign-in challenges are capped: per member (a new one expires the oldest beyond the cap, so a TV that
   * retries keeps working) and overall (beyond it, new logins are refused until some expire).
   */
  private async capPending(m: Parameters<Parameters<Db['write']>[0]>[0], memberId: string, now: Date): Promise<void> {
    const t = now.getTime();
    const cap = this.config.devices.maxPending;
    const open = await this.db.raw<{ n: number | string }>(
      m,
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM challenges WHERE status = 'pending' AND purpose = 'login' AND expires_at > ? LIMIT ${cap}) open_challenges`,
      [t],
    );
    if (Number(open[0]?.n ?? 0) >= cap) throw new AppException(429, 'rate_limited', 'Too many sign-ins are waiting for verification. Try again in a few minutes.');
    const mine = await this.db.raw<{ id: string }>(
      m,
      `SELECT id FROM challenges WHERE member_id = ? AND purpose = 'login' AND status = 'pending' AND expires_at > ? ORDER BY created_at DESC, id`,
      [memberId, t],
    );
    const surplus = mine.slice(this.config.devices.pendingPerMember - 1).map((r) => r.id);
    if (surplus.length) await this.db.exec(m, `UPDATE challenges SET status = 'expired' WHERE status = 'pending' AND id IN (${surplus.map(() => '?').join(', ')})`, surplus);
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
    return answerOf(decision, enrolUrl, challenge, restricted);
  }

  /** Live policies, read raw (every decision reads them; a handful of rows). */
  private async policies(): Promise<EnginePolicy[]> {
    const rows = await this.db.raw<PolicyRow>(this.db.manager, POLICIES);
    return rows.map(policyFromRow);
  }

  private clientIp(caller: ServerPrincipal, ip: LoginDecisionRequest['ip']) {
    if (!ip) return { ip: null, ipTrusted: false };
    const r = resolveClientIp(ip.peer, ip.forwardedFor, caller.trustedProxies);
    return { ip: r.ip, ipTrusted: r.trusted };
  }

  private async findMember(serverId: string, externalId: string): Promise<MemberRef | null> {
    return memberRef((await this.db.raw<MemberRow>(this.db.manager, MEMBER_BY_EXTERNAL_ID, [serverId, externalId]))[0], externalId);
  }

  /** A member the directory has not pushed yet is added on first sign-in (with their own grace period). */
  private async findOrAddMember(serverId: string, externalId: string, username: string | undefined, now: Date): Promise<MemberRef> {
    const found = await this.findMember(serverId, externalId);
    if (found) return found;
    if (!username) throw AppException.notFound('member_not_found', 'This member is not in the directory yet: send `member.username` or sync the directory.');
    const row = Object.assign(new MemberEntity(), { id: newId(), serverId, externalId, username, displayName: null, email: null, searchText: memberSearchText(username, null, null), firstSeenAt: now, updatedAt: now, removedAt: null, credentialVersion: 0, emergencyAt: null });
    await this.db.write(async (m) => {
      await m.createQueryBuilder().insert().into(MemberEntity).values(row).orIgnore().execute();
    });
    const added = await this.findMember(serverId, externalId);
    if (!added) throw AppException.notFound('member_not_found');
    return added;
  }
}

const MEMBER_BY_EXTERNAL_ID = 'SELECT id, first_seen_at, removed_at, credential_version, emergency_at FROM members WHERE server_id = ? AND external_id = ?';

interface MemberRow {
  id: string;
  first_seen_at: string | number;
  removed_at: string | number | null;
  credential_version: number | string;
  emergency_at: string | number | null;
}

function memberRef(r: MemberRow | undefined, externalId: string): MemberRef | null {
  return r
    ? {
        id: r.id,
        externalId,
        firstSeenAt: new Date(Number(r.first_seen_at)),
        removedAt: r.removed_at === null ? null : new Date(Number(r.removed_at)),
        credentialVersion: Number(r.credential_version),
        emergencyAt: r.emergency_at === null ? null : new Date(Number(r.emergency_at)),
      }
    : null;
}

function answerOf(decision: Decision, enrolUrl: string | null, challenge: DecisionResponse['challenge'], restricted: DecisionResponse['restrictedLibraries']): DecisionResponse {
  return {
    decision: decision.decision,
    reasons: decision.reasons,
    explanation: decision.explanation,
    deadline: decision.deadline ? iso(decision.deadline) : null,
    daysLeft: decision.daysLeft,
    enrolUrl,
    challenge,
    restrictedLibraries: restricted,
    trustToken: null,
    trustExpiresAt: null,
  };
}

/** The decision's audit entry (its outcome and reasons are added once decided). */
function loginAudit(
  serverId: string,
  memberId: string,
  ip: string | null,
  req: LoginDecisionRequest,
  clientName: string,
  trust: TrustCheck | null,
  appPassword: { ok: boolean; id?: string } | null,
): { type: string; memberId: string; ip: string | null; details: Record<string, unknown> } {
  return {
    type: 'login.decision',
    memberId,
    ip,
    details: {
      serverId,
      deviceId: req.device.id,
      deviceName: req.device.name ?? null,
      client: clientName,
      trust: trust ? (trust.ok ? trust.kind : `rejected:${trust.reason}`) : null,
      appPassword: appPassword ? (appPassword.ok ? appPassword.id : 'rejected') : null,
    },
  };
}

interface MemberRef {
  id: string;
  externalId: string;
  firstSeenAt: Date;
  removedAt: Date | null;
  credentialVersion: number;
  emergencyAt: Date | null;
}

function refusedAppPassword(): DecisionResponse {
  const message = 'This app password is not valid: it was revoked, or mistyped. Create a new one on your security page.';
  return {
    decision: 'deny',
    reasons: [{ code: 'app_password_invalid', policyId: null, message }],
    explanation: message,
    deadline: null,
    daysLeft: null,
    enrolUrl: null,
    challenge: null,
    restrictedLibraries: [],
    trustToken: null,
    trustExpiresAt: null,
  };
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

/** A login's return URL, if the server's origins allow it; else `400 return_url_not_allowed` saying why. */
function checkedReturnUrl(raw: string, server: ServerEntity | null): string {
  const check = checkReturnUrl(raw, server ? returnOrigins(server) : []);
  if (!check.ok) throw new AppException(400, 'return_url_not_allowed', undefined, { issues: [{ path: 'returnUrl', message: check.reason }] });
  return check.url;
}
