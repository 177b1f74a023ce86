import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import type { Policy as EnginePolicy } from '@latchkey/policy-engine';
import { Db } from '../database/db';
import { PolicyEntity } from '../database/entities';
import { MemberFactsRepository } from './member-facts.repository';
import { enforcedPolicies, pendingMembers, standingsOf, type PendingMember, type Standings } from './standings';

export type { PendingMember, Standings } from './standings';

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
    const active = enforcedPolicies(rows.map(enginePolicy));
    return standingsOf(active, active.length ? await this.facts.allFacts(now) : [], now);
  }

  /**
   * Members in scope who are neither compliant nor exempt (in grace or past their deadline), each with
   * the earliest deadline among the policies they do not meet — the one their decisions show.
   */
  pending(s: Standings): Map<string, PendingMember> {
    return pendingMembers(s);
  }
}

/** The engine's policy is the stored one without its bookkeeping dates. */
function enginePolicy({ createdAt: _created, updatedAt: _updated, deletedAt: _deleted, ...policy }: PolicyEntity): EnginePolicy {
  return policy;
}
