import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import {
  CreateExemptionRequest,
  CreatePolicyRequest,
  Exemption,
  Policy,
  PolicyDraft,
  PolicyPreview,
  UpdatePolicyRequest,
} from '@latchkey/contracts';
import { preview, type Policy as EnginePolicy } from '@latchkey/policy-engine';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { iso, isoOrNull, newId } from '../common/ids';
import { Db } from '../database/db';
import { ExemptionEntity, MemberEntity, PolicyEntity } from '../database/entities';
import { NotificationsService } from '../notifications/notifications.service';
import { MemberFactsRepository } from './member-facts.repository';

/** The owner's policies and exemptions: every change audited with the admin and before/after. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly facts: MemberFactsRepository,
    private readonly notifications: NotificationsService,
  ) {}

  async list(): Promise<Policy[]> {
    return (await this.db.manager.find(PolicyEntity, { where: { deletedAt: IsNull() }, order: { createdAt: 'ASC' } })).map(toPolicy);
  }

  async get(id: string): Promise<Policy> {
    return toPolicy(await this.require(id));
  }

  async create(input: CreatePolicyRequest, adminId: string): Promise<Policy> {
    const now = this.clock.now();
    const row = Object.assign(new PolicyEntity(), {
      id: newId(),
      ...input,
      firstActivatedAt: input.enabled ? now : null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    await this.validateScope(row.groups, row.libraries);
    await this.db.write(async (m) => {
      await m.insert(PolicyEntity, row);
      await this.audit.record({ type: 'policy.created', outcome: 'success', adminId, details: { policyId: row.id, after: toPolicy(row) } }, m);
      await this.notifications.emit('policy.changed', { policyId: row.id, policyName: row.name, change: 'created', adminId }, m);
    });
    return toPolicy(row);
  }

  async update(id: string, input: UpdatePolicyRequest, adminId: string): Promise<Policy> {
    const before = await this.require(id);
    const changes: Partial<PolicyEntity> = { ...stripUndefined(input), updatedAt: this.clock.now() };
    await this.validateScope(changes.groups ?? before.groups, changes.libraries ?? before.libraries);
    const after = Object.assign(new PolicyEntity(), before, changes);
    await this.db.write(async (m) => {
      await m.update(PolicyEntity, { id }, changes);
      await this.audit.record({ type: 'policy.updated', outcome: 'success', adminId, details: { policyId: id, before: toPolicy(before), after: toPolicy(after) } }, m);
      await this.notifications.emit('policy.changed', { policyId: id, policyName: after.name, change: 'updated', adminId }, m);
    });
    return toPolicy(after);
  }

  /** Enabling stamps the first activation once; re-enabling later never hands out a fresh grace period. */
  async setEnabled(id: string, enabled: boolean, adminId: string): Promise<Policy> {
    const before = await this.require(id);
    const now = this.clock.now();
    const changes: Partial<PolicyEntity> = { enabled, updatedAt: now, ...(enabled && !before.firstActivatedAt ? { firstActivatedAt: now } : {}) };
    await this.db.write(async (m) => {
      await m.update(PolicyEntity, { id }, changes);
      await this.audit.record({ type: enabled ? 'policy.enabled' : 'policy.disabled', outcome: 'success', adminId, details: { policyId: id } }, m);
      await this.notifications.emit('policy.changed', { policyId: id, policyName: before.name, change: enabled ? 'enabled' : 'disabled', adminId }, m);
    });
    return toPolicy(Object.assign(new PolicyEntity(), before, changes));
  }

  async remove(id: string, adminId: string): Promise<void> {
    const before = await this.require(id);
    await this.db.write(async (m) => {
      await m.update(PolicyEntity, { id }, { deletedAt: this.clock.now(), enabled: false });
      await this.audit.record({ type: 'policy.deleted', outcome: 'success', adminId, details: { policyId: id, before: toPolicy(before) } }, m);
      await this.notifications.emit('policy.changed', { policyId: id, policyName: before.name, change: 'deleted', adminId }, m);
    });
  }

  /** What a draft would do today: who complies, who is in grace (by deadline week), who would be blocked, who is exempt. */
  async preview(draft: PolicyDraft): Promise<PolicyPreview> {
    const now = this.clock.now();
    const members = await this.facts.allFacts(now);
    const policy: EnginePolicy = { id: 'draft', ...draft, enabled: true, firstActivatedAt: now };
    const result = preview(policy, members.map((m) => m.facts), now);
    const names = new Map(members.map((m) => [m.facts.id, m.username]));
    const pick = (ids: string[]) => ids.slice(0, 100).map((id) => ({ id, username: names.get(id) ?? '' }));
    const blocked = pick(result.lists.blockedNow);
    const clients = await this.facts.recentClients(blocked.map((b) => b.id), new Date(now.getTime() - 30 * 86_400_000));
    return {
      ...result,
      lists: {
        compliant: pick(result.lists.compliant),
        inGrace: pick(result.lists.inGrace),
        blockedNow: blocked.map((b) => ({ ...b, recentClients: clients.get(b.id) ?? [] })),
        exempt: pick(result.lists.exempt),
      },
    };
  }

  async listExemptions(memberId?: string): Promise<Exemption[]> {
    const rows = await this.db.manager.find(ExemptionEntity, { where: { revokedAt: IsNull(), ...(memberId ? { memberId } : {}) }, order: { createdAt: 'ASC' } });
    return rows.map((r) => this.toExemption(r));
  }

  async createExemption(input: CreateExemptionRequest, adminId: string): Promise<Exemption> {
    if (!(await this.db.manager.findOneBy(MemberEntity, { id: input.memberId }))) throw AppException.notFound('member_not_found');
    const [row] = await this.createExemptions([input.memberId], input, adminId);
    return this.toExemption(row as ExemptionEntity);
  }

  /** Excuses several members at once (existing members, checked by the caller), in one transaction. */
  async createExemptions(memberIds: string[], input: Pick<CreateExemptionRequest, 'policyId' | 'reason' | 'expiresAt'>, adminId: string): Promise<ExemptionEntity[]> {
    if (input.policyId) await this.require(input.policyId);
    const now = this.clock.now();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= now) throw AppException.validation([{ path: 'expiresAt', message: 'must be in the future' }]);
    const rows = memberIds.map((memberId) =>
      Object.assign(new ExemptionEntity(), { id: newId(), memberId, policyId: input.policyId, reason: input.reason, expiresAt, createdAt: now, createdBy: adminId, revokedAt: null }),
    );
    await this.db.write(async (m) => {
      for (const row of rows) {
        await m.insert(ExemptionEntity, row);
        await this.audit.record({ type: 'exemption.created', outcome: 'success', adminId, memberId: row.memberId, details: { exemptionId: row.id, policyId: row.policyId, reason: row.reason, expiresAt: isoOrNull(expiresAt) } }, m);
      }
    });
    return rows;
  }

  async revokeExemption(id: string, adminId: string): Promise<void> {
    const row = await this.db.manager.findOneBy(ExemptionEntity, { id, revokedAt: IsNull() });
    if (!row) throw AppException.notFound('exemption_not_found');
    await this.db.write(async (m) => {
      await m.update(ExemptionEntity, { id }, { revokedAt: this.clock.now() });
      await this.audit.record({ type: 'exemption.revoked', outcome: 'success', adminId, memberId: row.memberId, details: { exemptionId: id } }, m);
    });
  }

  private async require(id: string): Promise<PolicyEntity> {
    const row = await this.db.manager.findOneBy(PolicyEntity, { id, deletedAt: IsNull() });
    if (!row) throw AppException.notFound('policy_not_found');
    return row;
  }

  private async validateScope(groups: string[], libraries: string[]): Promise<void> {
    const known = await this.facts.knownScopeIds(groups, libraries);
    const unknown = [...groups.filter((g) => !known.groups.has(g)).map((g) => ({ path: 'groups', message: `unknown group ${g}` })), ...libraries.filter((l) => !known.libraries.has(l)).map((l) => ({ path: 'libraries', message: `unknown library ${l}` }))];
    if (unknown.length) throw AppException.validation(unknown);
  }

  private toExemption(r: ExemptionEntity): Exemption {
    return { id: r.id, memberId: r.memberId, policyId: r.policyId, reason: r.reason, expiresAt: isoOrNull(r.expiresAt), createdAt: iso(r.createdAt), active: !r.revokedAt && (!r.expiresAt || r.expiresAt > this.clock.now()) };
  }
}

export function toPolicy(p: PolicyEntity): Policy {
  return {
    id: p.id,
    name: p.name,
    enabled: p.enabled,
    groups: p.groups,
    libraries: p.libraries,
    gracePeriodDays: p.gracePeriodDays,
    accepted: p.accepted,
    allowEmail: p.allowEmail,
    enforcement: p.enforcement,
    allowAppPasswords: p.allowAppPasswords,
    reverifyAfterHours: p.reverifyAfterHours,
    bypassCidrs: p.bypassCidrs,
    activatedAt: isoOrNull(p.firstActivatedAt),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
