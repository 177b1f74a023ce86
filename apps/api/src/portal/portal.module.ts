import { Module } from '@nestjs/common';
import { FactorsModule } from '../factors/factors.module';
import { MemberSessionsService } from './member-sessions.service';
import { PortalController, PortalLinksController } from './portal.controller';
import { PortalService } from './portal.service';

@Module({
  imports: [FactorsModule],
  controllers: [PortalController, PortalLinksController],
  providers: [MemberSessionsService, PortalService],
  exports: [MemberSessionsService],
})
export class PortalModule {}
