import { Module } from '@nestjs/common';
import { FactorsModule } from '../factors/factors.module';
import { AdminAuthController } from './admin-auth.controller';
import { AdminMfaController } from './admin-mfa.controller';
import { AdminAuthRepository } from './admin-auth.repository';
import { AdminAuthService } from './admin-auth.service';

@Module({
  imports: [FactorsModule],
  controllers: [AdminAuthController, AdminMfaController],
  providers: [AdminAuthService, AdminAuthRepository],
  exports: [AdminAuthService],
})
export class AdminAuthModule {}
