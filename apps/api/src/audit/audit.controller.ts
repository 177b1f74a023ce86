import { Controller, Get } from '@nestjs/common';
import { AuditChainCheck, Permissions } from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AuditService } from './audit.service';

@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @AdminAuth(Permissions.auditRead)
  @Endpoint({ summary: 'Walk the audit hash chain and report the first break, if any', response: AuditChainCheck })
  verify(): Promise<AuditChainCheck> {
    return this.audit.verify();
  }
}
