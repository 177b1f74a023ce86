import { Module } from '@nestjs/common';
import { AdminAuthController } from './admin-auth.controller';
import { AdminAuthRepository } from './admin-auth.repository';
import { AdminAuthService } from './admin-auth.service';

@Module({
  controllers: [AdminAuthController],
  providers: [AdminAuthService, AdminAuthRepository],
  exports: [AdminAuthService],
})
export class AdminAuthModule {}
