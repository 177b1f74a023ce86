import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { DecisionsController } from '../decisions/decisions.controller';
import { DecisionsService } from '../decisions/decisions.service';
import { MemberFactsRepository } from './member-facts.repository';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { RolloutService } from './rollout.service';

@Module({
  imports: [DevicesModule],
  controllers: [PoliciesController, DecisionsController],
  providers: [PoliciesService, DecisionsService, MemberFactsRepository, RolloutService],
  exports: [RolloutService, PoliciesService, MemberFactsRepository],
})
export class PoliciesModule {}
