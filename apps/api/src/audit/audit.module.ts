import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/** The audit log's API (the AuditService itself is global, in the core module). */
@Module({ controllers: [AuditController] })
export class AuditModule {}
