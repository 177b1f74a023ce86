import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { FactorsModule } from '../factors/factors.module';
import { PoliciesModule } from '../policies/policies.module';
import { MembersController } from './members.controller';
import { MembersRepository } from './members.repository';
import { MembersService } from './members.service';

/** The console's members table, member page and actions on members. */
@Module({
  imports: [PoliciesModule, DevicesModule, FactorsModule],
  controllers: [MembersController],
  providers: [MembersService, MembersRepository],
})
export class MembersModule {}
