import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { FactorsModule } from '../factors/factors.module';
import { MemberFactsRepository } from '../policies/member-facts.repository';
import { PairingController } from './pairing.controller';
import { PairingService } from './pairing.service';
import { MemberSessionsService } from './member-sessions.service';
import { PortalController, PortalLinksController } from './portal.controller';
import { PortalService } from './portal.service';

@Module({
  imports: [FactorsModule, DevicesModule],
  controllers: [PortalController, PortalLinksController, PairingController],
  providers: [MemberSessionsService, PortalService, PairingService, MemberFactsRepository],
  exports: [MemberSessionsService],
})
export class PortalModule {}
