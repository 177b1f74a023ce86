import { Body, Controller, Delete, Get, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  AppPasswordCreated,
  AppPasswordIdParams,
  CreateAppPasswordRequest,
  DeviceIdParams,
  MemberAppPasswordParams,
  MemberDeviceParams,
  MemberIdParams,
  MemberSecurity,
  Permissions,
  RevocationList,
  RevocationQuery,
  RevokedCount,
} from '@latchkey/contracts';
import { z } from 'zod';
import { AppException } from '../common/app-exception';
import { AdminAuth, Endpoint, MemberAuth, ServerAuth } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin, CurrentMember, CurrentServer, MemberPrincipal, ServerPrincipal } from '../common/principal';
import { Db } from '../database/db';
import { DevicesService } from './devices.service';

const TrustKeyRotated = z.object({ devicesRevoked: z.number().int() }).meta({ id: 'TrustKeyRotated' });

/** A member's own devices, app passwords and sessions (member pages, "My security"). */
@Controller('me')
export class MemberDevicesController {
  constructor(
    private readonly devices: DevicesService,
    private readonly db: Db,
  ) {}

  @Get('security')
  @MemberAuth()
  @Endpoint({ summary: 'Your remembered and paired devices, app passwords and recent sign-ins', response: MemberSecurity })
  security(@CurrentMember() me: MemberPrincipal): Promise<MemberSecurity> {
    return securityOf(this.devices, this.db, me.memberId);
  }

  @Delete('devices/:deviceId')
  @MemberAuth()
  @Endpoint({ summary: 'Forget a remembered or paired device (it is asked to verify again)', params: DeviceIdParams, status: 204, errors: ['device_not_found'] })
  async revoke(@CurrentMember() me: MemberPrincipal, @Param() p: DeviceIdParams, @Req() req: FastifyRequest): Promise<void> {
    await this.devices.revoke(me.memberId, p.deviceId, { memberId: me.memberId }, req.ip);
  }

  @Post('app-passwords')
  @MemberAuth()
  @Endpoint({
    summary: 'Create an app password (shown once)',
    description: 'For an app that cannot show a code prompt. Needs a recent verification with one of your sign-in methods.',
    body: CreateAppPasswordRequest,
    response: AppPasswordCreated,
    status: 201,
    errors: ['verification_required'],
  })
  createAppPassword(@CurrentMember() me: MemberPrincipal, @Body() body: CreateAppPasswordRequest, @Req() req: FastifyRequest): Promise<AppPasswordCreated> {
    if (!me.recentlyVerified) throw new AppException(403, 'verification_required');
    return this.devices.createAppPassword(me.memberId, body.name, req.ip);
  }

  @Delete('app-passwords/:appPasswordId')
  @MemberAuth()
  @Endpoint({ summary: 'Revoke an app password', params: AppPasswordIdParams, status: 204, errors: ['app_password_not_found'] })
  async revokeAppPassword(@CurrentMember() me: MemberPrincipal, @Param() p: AppPasswordIdParams, @Req() req: FastifyRequest): Promise<void> {
    await this.devices.revokeAppPassword(me.memberId, p.appPasswordId, { memberId: me.memberId }, req.ip);
  }

  @Post('sign-out-everywhere')
  @MemberAuth()
  @Endpoint({ summary: 'Sign out everywhere: forget every device and end your other sessions', response: RevokedCount })
  signOutEverywhere(@CurrentMember() me: MemberPrincipal, @Req() req: FastifyRequest): Promise<RevokedCount> {
    return this.devices.signOutEverywhere(me.memberId, { memberId: me.memberId }, { keepSessionId: me.sessionId, ip: req.ip });
  }

  @Post('lost-phone')
  @MemberAuth()
  @Endpoint({
    summary: 'I lost my phone',
    description:
      'Forgets every device, revokes every app password and ends your other sessions. Until you verify with a recovery code or an e-mail code, your authenticator app and passkeys are not accepted.',
    response: RevokedCount,
  })
  lostPhone(@CurrentMember() me: MemberPrincipal, @Req() req: FastifyRequest): Promise<RevokedCount> {
    return this.devices.signOutEverywhere(me.memberId, { memberId: me.memberId }, { keepSessionId: me.sessionId, emergency: true, ip: req.ip });
  }
}

/** The owner's view of a member's devices (console). */
@Controller('members/:memberId')
export class AdminDevicesController {
  constructor(
    private readonly devices: DevicesService,
    private readonly db: Db,
  ) {}

  @Get('security')
  @AdminAuth(Permissions.membersRead)
  @Endpoint({ summary: 'A member’s devices, app passwords and recent sign-ins', params: MemberIdParams, response: MemberSecurity, errors: ['member_not_found'] })
  async security(@Param() p: MemberIdParams): Promise<MemberSecurity> {
    await requireMember(this.db, p.memberId);
    return securityOf(this.devices, this.db, p.memberId);
  }

  @Delete('devices/:deviceId')
  @AdminAuth(Permissions.membersWrite)
  @Endpoint({ summary: 'Revoke one of a member’s devices', params: MemberDeviceParams, status: 204, errors: ['device_not_found'] })
  async revoke(@Param() p: MemberDeviceParams, @CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<void> {
    await this.devices.revoke(p.memberId, p.deviceId, { adminId: admin.adminId }, req.ip);
  }

  @Delete('app-passwords/:appPasswordId')
  @AdminAuth(Permissions.membersWrite)
  @Endpoint({ summary: 'Revoke one of a member’s app passwords', params: MemberAppPasswordParams, status: 204, errors: ['app_password_not_found'] })
  async revokeAppPassword(@Param() p: MemberAppPasswordParams, @CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<void> {
    await this.devices.revokeAppPassword(p.memberId, p.appPasswordId, { adminId: admin.adminId }, req.ip);
  }

  @Post('sign-out')
  @AdminAuth(Permissions.membersWrite)
  @Endpoint({ summary: 'Force sign-out: forget every device, revoke app passwords, end member-pages sessions', params: MemberIdParams, response: RevokedCount, errors: ['member_not_found'] })
  async signOut(@Param() p: MemberIdParams, @CurrentAdmin() admin: AdminPrincipal, @Req() req: FastifyRequest): Promise<RevokedCount> {
    await requireMember(this.db, p.memberId);
    return this.devices.signOutEverywhere(p.memberId, { adminId: admin.adminId }, { ip: req.ip });
  }
}

@Controller()
export class DeviceAdminController {
  constructor(private readonly devices: DevicesService) {}

  @Post('devices/rotate-trust-key')
  @AdminAuth(Permissions.tokensManage, { reauth: true })
  @Endpoint({ summary: 'Invalidate every remembered and paired device at once (new trust key)', response: TrustKeyRotated })
  async rotate(@CurrentAdmin() admin: AdminPrincipal): Promise<{ devicesRevoked: number }> {
    return { devicesRevoked: await this.devices.rotateTrustKey(admin.adminId) };
  }

  @Get('revocations')
  @ServerAuth()
  @Endpoint({
    summary: 'Devices whose trust was revoked (poll with `since`)',
    description: 'End the sessions you hold for these devices. Pass the answer’s `next` as `since` next time.',
    query: RevocationQuery,
    response: RevocationList,
  })
  revocations(@CurrentServer() server: ServerPrincipal, @Query() q: RevocationQuery): Promise<RevocationList> {
    return this.devices.revocations(server.serverId, q.since, q.limit);
  }
}

async function securityOf(devices: DevicesService, db: Db, memberId: string): Promise<MemberSecurity> {
  const [list, appPasswords, recentSignIns, emergency] = await Promise.all([
    devices.list(memberId),
    devices.listAppPasswords(memberId),
    devices.recentSignIns(memberId),
    db.raw<{ emergency_at: unknown }>(db.manager, 'SELECT emergency_at FROM members WHERE id = ?', [memberId]),
  ]);
  return { devices: list, appPasswords, recentSignIns, emergency: emergency[0]?.emergency_at !== null && emergency[0]?.emergency_at !== undefined };
}

async function requireMember(db: Db, memberId: string): Promise<void> {
  const rows = await db.raw(db.manager, 'SELECT id FROM members WHERE id = ?', [memberId]);
  if (!rows.length) throw AppException.notFound('member_not_found');
}
