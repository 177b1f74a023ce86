import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuditChainCheck, AuditEvent, AuditExportQuery, AuditPage, AuditQuery, Permissions } from '@latchkey/contracts';
import { z } from 'zod';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { AuditQueryService } from './audit-query.service';
import { AuditService } from './audit.service';

@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly query: AuditQueryService,
  ) {}

  @Get()
  @AdminAuth(Permissions.auditRead)
  @Endpoint({ summary: 'Search the audit log (newest first)', description: 'Filter by member, server, event type, outcome and time; follow `nextCursor` for older entries.', query: AuditQuery, response: AuditPage })
  list(@Query() q: AuditQuery): Promise<AuditPage> {
    return this.query.page(q);
  }

  @Get('export')
  @AdminAuth(Permissions.auditRead)
  @Endpoint({
    summary: 'Download the audit log as CSV or JSON (oldest first, streamed), with the same filters',
    description: 'CSV cells are quoted, line breaks and control characters escaped, and text a spreadsheet would run as a formula is prefixed with an apostrophe. The export is itself audited.',
    query: AuditExportQuery,
    produces: [{ contentType: 'text/csv' }, { contentType: 'application/json', schema: z.array(AuditEvent) }],
  })
  async export(@Query() q: AuditExportQuery, @CurrentAdmin() admin: AdminPrincipal, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.query.export(q, admin.adminId);
    await reply.header('content-type', file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).header('cache-control', 'no-store').send(file.body);
  }

  @Get('verify')
  @AdminAuth(Permissions.auditRead)
  @Endpoint({ summary: 'Walk the audit hash chain and report the first break, if any', description: 'Starts from the retention checkpoint when old entries were pruned.', response: AuditChainCheck })
  verify(): Promise<AuditChainCheck> {
    return this.audit.verify();
  }
}
