import { Module } from '@nestjs/common';
import { VerificationService } from '../verification/verification.service';
import { FactorsRepository } from './factors.repository';
import { FactorsService } from './factors.service';
import { PasskeysService } from './passkeys.service';

@Module({
  providers: [FactorsRepository, FactorsService, PasskeysService, VerificationService],
  exports: [FactorsService, PasskeysService, VerificationService],
})
export class FactorsModule {}
