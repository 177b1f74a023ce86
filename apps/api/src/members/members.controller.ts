import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  BulkExemptRequest,
  BulkMembersRequest,
  BulkResult,
  MemberDetail,
  MemberIdParams,
  MemberList,
  MemberListQuery,
  MfaReset,
  Permissions,
} from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { MembersService } from './members.service';

/**
 * Members in the console. A member's devices, app passwords, recent sign-ins and force sign-out are in
 * DevicesModule (`/members/{id}/security`, `…/devices/{id}`, `…/app-passwords/{id}`, `…/sign-out`).
 * What weakens a member's protection (resetting MFA, exempting) needs a recent second factor; what
 * only takes access away (revoking, signing out) does not, so it stays quick in an emergency.
 */
@Controller('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @AdminAuth(Permissions.membersRead)
  @Endpoint({
    summary: 'List members with their standing',
    description: 'Search, filter (status, server, group, library, factor), sort, and page with `nextCursor`. Each member carries their status against the enabled policies.',
    query: MemberListQuery,
    response: MemberList,
  })
  list(@Query() query: MemberListQuery): Promise<MemberList> {
    return this.members.list(query);
  }

  @Post('bulk/exempt')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Excuse several members from every policy or one, with a reason', body: BulkExemptRequest, response: BulkResult, errors: ['policy_not_found'] })
  bulkExempt(@Body() body: BulkExemptRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<BulkResult> {
    return this.members.bulkExempt(body, admin.adminId);
  }

  @Post('bulk/sign-out')
  @AdminAuth(Permissions.membersWrite)
  @Endpoint({ summary: 'Force sign-out of several members (devices forgotten, app passwords revoked, sessions ended)', body: BulkMembersRequest, response: BulkResult })
  bulkSignOut(@Body() body: BulkMembersRequest, @CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<BulkResult> {
    return this.members.bulkSignOut(body.memberIds, admin.adminId, req.ip);
  }

  @Post('bulk/reset-mfa')
  @AdminAuth(Permissions.membersWrite, { reauth: true })
  @Endpoint({ summary: 'Reset the MFA of several members (they must enrol again)', body: BulkMembersRequest, response: BulkResult })
  bulkResetMfa(@Body() body: BulkMembersRequest, @CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<BulkResult> {
    return this.members.bulkResetMfa(body.memberIds, admin.adminId, req.ip);
  }

  @Get(':memberId')
  @AdminAuth(Permissions.membersRead)
  @Endpoint({ summary: 'A member: profile, groups, standing per policy, factors (no secrets), exemptions', params: MemberIdParams, response: MemberDetail, errors: ['member_not_found'] })
  detail(@Param() p: MemberIdParams): Promise<MemberDetail> {
    return this.members.detail(p.memberId);
  }

  @Post(':memberId/reset-mfa')
  @AdminAuth(Permissions.membersWrite, { reauth: true })
  @Endpoint({
    summary: "Reset a member's MFA",
    description: 'Removes every factor, so the member must enrol again; their remembered and paired devices stop counting, app passwords are revoked and member-pages sessions end.',
    params: MemberIdParams,
    response: MfaReset,
    errors: ['member_not_found'],
  })
  resetMfa(@Param() p: MemberIdParams, @CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<MfaReset> {
    return this.members.resetMfa(p.memberId, admin.adminId, req.ip);
  }
}
