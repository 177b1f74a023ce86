import { Body, Controller, Delete, Get, Inject, Param, Patch, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AcceptInviteRequest,
  AdminIdParams,
  AdminInviteCreated,
  AdminSession,
  AdminTeam,
  InviteAdminRequest,
  InviteIdParams,
  Permissions,
  TeamAdmin,
  UpdateAdminRequest,
} from '@latchkey/contracts';
import { clientOf, startSession } from '../admin-auth/admin-auth.controller';
import { AdminAuthService } from '../admin-auth/admin-auth.service';
import { AdminAuth, Endpoint, Public } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { APP_CONFIG, AppConfig } from '../config/config';
import { FactorsService } from '../factors/factors.service';
import { AdminsService } from './admins.service';

/** The admin team (owners manage it). */
@Controller('admins')
export class AdminsController {
  constructor(private readonly admins: AdminsService) {}

  @Get()
  @AdminAuth(Permissions.adminsRead)
  @Endpoint({ summary: 'The admin team and pending invitations', response: AdminTeam })
  team(): Promise<AdminTeam> {
    return this.admins.team();
  }

  @Post('invites')
  @AdminAuth(Permissions.adminsManage, { reauth: true })
  @Endpoint({
    summary: 'Invite an admin with a role',
    description: 'Returns a single-use link, valid 72 hours, shown only in this response. A newer invitation to the same address replaces a pending one.',
    body: InviteAdminRequest,
    response: AdminInviteCreated,
    status: 201,
    errors: ['conflict'],
  })
  invite(@Body() body: InviteAdminRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<AdminInviteCreated> {
    return this.admins.invite(body, admin.adminId);
  }

  @Delete('invites/:inviteId')
  @AdminAuth(Permissions.adminsManage, { reauth: true })
  @Endpoint({ summary: 'Revoke a pending invitation', params: InviteIdParams, status: 204, errors: ['invite_not_found'] })
  async revokeInvite(@Param() p: InviteIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.admins.revokeInvite(p.inviteId, admin.adminId);
  }

  @Patch(':adminId')
  @AdminAuth(Permissions.adminsManage, { reauth: true })
  @Endpoint({ summary: "Change an admin's role", description: 'The last owner cannot be demoted.', params: AdminIdParams, body: UpdateAdminRequest, response: TeamAdmin, errors: ['admin_not_found', 'last_owner'] })
  changeRole(@Param() p: AdminIdParams, @Body() body: UpdateAdminRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<TeamAdmin> {
    return this.admins.changeRole(p.adminId, body.role, admin.adminId);
  }

  @Delete(':adminId')
  @AdminAuth(Permissions.adminsManage, { reauth: true })
  @Endpoint({ summary: 'Remove an admin (their sessions and API tokens end)', description: 'The last owner cannot be removed.', params: AdminIdParams, status: 204, errors: ['admin_not_found', 'last_owner'] })
  async remove(@Param() p: AdminIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.admins.remove(p.adminId, admin.adminId);
  }
}

/** Accepting an invitation: public, like first-run setup. */
@Controller('admin/invites')
export class AdminInvitesController {
  constructor(
    private readonly admins: AdminsService,
    private readonly auth: AdminAuthService,
    private readonly factors: FactorsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('accept')
  @Public()
  @Endpoint({
    summary: 'Accept an admin invitation: creates the account and signs it in',
    description: 'The new admin must then set up a second factor (`mfa: enrol_required`), exactly like the owner after setup.',
    body: AcceptInviteRequest,
    response: AdminSession,
    status: 201,
    errors: ['invite_invalid', 'conflict'],
  })
  async accept(@Body() body: AcceptInviteRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdminSession> {
    return startSession(this.auth, this.factors, this.config, await this.admins.accept(body, clientOf(req)), reply);
  }
}
