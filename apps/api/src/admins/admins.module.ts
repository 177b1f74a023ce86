import { Module } from '@nestjs/common';
import { AdminAuthModule } from '../admin-auth/admin-auth.module';
import { FactorsModule } from '../factors/factors.module';
import { AdminInvitesController, AdminsController } from './admins.controller';
import { AdminsRepository } from './admins.repository';
import { AdminsService } from './admins.service';

/** The admin team: invitations with roles, role changes, removal. */
@Module({
  imports: [AdminAuthModule, FactorsModule],
  controllers: [AdminsController, AdminInvitesController],
  providers: [AdminsService, AdminsRepository],
})
export class AdminsModule {}
