import { Module } from '@nestjs/common';
import { DecisionsController } from '../decisions/decisions.controller';
import { DecisionsService } from '../decisions/decisions.service';
import { MemberFactsRepository } from './member-facts.repository';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { RolloutService } from './rollout.service';

@Module({
  controllers: [PoliciesController, DecisionsController],
  providers: [PoliciesService, DecisionsService, MemberFactsRepository, RolloutService],
  exports: [RolloutService],
})
export class PoliciesModule {}
