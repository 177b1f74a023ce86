import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { enrolmentDeadline, preview, type MemberFacts, type Policy as EnginePolicy, type PreviewResult } from '@latchkey/policy-engine';
import { Db } from '../database/db';
import { PolicyEntity } from '../database/entities';
import { MemberFactsRepository } from './member-facts.repository';

export interface Standings {
  /** Enabled policies that were activated at least once (the ones enforced). */
  policies: { policy: EnginePolicy; preview: PreviewResult }[];
  members: { facts: MemberFacts; username: string }[];
}

export interface PendingMember {
  memberId: string;
  /** The policy whose deadline is the earliest among those the member does not meet yet. */
  policyId: string;
  deadline: Date;
}

/**
 * Where the rollout stands: every live member against every enforced policy, through the policy engine's
 * own preview (so dashboards and reminders never disagree with the decisions members get).
 */
@Injectable()
export class RolloutService {
  constructor(
    private readonly db: Db,
    private readonly facts: MemberFactsRepository,
  ) {}

  async standings(now: Date): Promise<Standings> {
    const rows = await this.db.manager.find(PolicyEntity, { where: { deletedAt: IsNull(), enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    const active = rows.filter((p) => p.firstActivatedAt !== null).map(enginePolicy);
    const members = active.length ? await this.facts.allFacts(now) : [];
    const facts = members.map((m) => m.facts);
    return { policies: active.map((policy) => ({ policy, preview: preview(policy, facts, now) })), members };
  }

  /** Every live member's facts, whether or not a policy is enforced. */
  liveMembers(now: Date): Promise<Standings['members']> {
    return this.facts.allFacts(now);
  }

  /**
   * Members in scope who are neither compliant nor exempt (in grace or past their deadline), each with
   * the earliest deadline among the policies they do not meet — the one their decisions show.
   */
  pending(s: Standings): Map<string, PendingMember> {
    const byId = new Map(s.members.map((m) => [m.facts.id, m.facts]));
    const out = new Map<string, PendingMember>();
    for (const { policy, preview: p } of s.policies) {
      for (const memberId of [...p.lists.inGrace, ...p.lists.blockedNow]) {
        const member = byId.get(memberId);
        if (!member || !policy.firstActivatedAt) continue;
        const deadline = enrolmentDeadline(policy.firstActivatedAt, member.firstSeenAt, policy.gracePeriodDays);
        const known = out.get(memberId);
        if (!known || deadline < known.deadline || (deadline.getTime() === known.deadline.getTime() && policy.id < known.policyId)) {
          out.set(memberId, { memberId, policyId: policy.id, deadline });
        }
      }
    }
    return out;
  }
}

/** The engine's policy is the stored one without its bookkeeping dates. */
function enginePolicy({ createdAt: _created, updatedAt: _updated, deletedAt: _deleted, ...policy }: PolicyEntity): EnginePolicy {
  return policy;
}
