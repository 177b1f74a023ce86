import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  CreateExemptionRequest,
  CreatePolicyRequest,
  Exemption,
  ExemptionIdParams,
  ExemptionList,
  Permissions,
  Policy,
  PolicyDraft,
  PolicyIdParams,
  PolicyList,
  PolicyPreview,
  UpdatePolicyRequest,
} from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { AdminPrincipal, CurrentAdmin } from '../common/principal';
import { PoliciesService } from './policies.service';

const ExemptionQuery = z.strictObject({ memberId: z.uuid().optional() });

@Controller()
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get('policies')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({ summary: 'List policies', response: PolicyList })
  async list(): Promise<PolicyList> {
    return { items: await this.policies.list() };
  }

  @Post('policies')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Create a policy', description: 'Enabled now or later; grace periods count from the first time it is enabled.', body: CreatePolicyRequest, response: Policy, status: 201 })
  create(@Body() body: CreatePolicyRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<Policy> {
    return this.policies.create(body, admin.adminId);
  }

  @Post('policies/preview')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({ summary: 'Preview a draft policy: who complies, who is in grace, who would be blocked today, who is exempt', body: PolicyDraft, response: PolicyPreview })
  preview(@Body() body: PolicyDraft): Promise<PolicyPreview> {
    return this.policies.preview(body);
  }

  @Get('policies/:policyId')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({ summary: 'Get a policy', params: PolicyIdParams, response: Policy, errors: ['policy_not_found'] })
  get(@Param() p: PolicyIdParams): Promise<Policy> {
    return this.policies.get(p.policyId);
  }

  @Patch('policies/:policyId')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Change a policy', params: PolicyIdParams, body: UpdatePolicyRequest, response: Policy, errors: ['policy_not_found'] })
  update(@Param() p: PolicyIdParams, @Body() body: UpdatePolicyRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<Policy> {
    return this.policies.update(p.policyId, body, admin.adminId);
  }

  @Post('policies/:policyId/enable')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Enable a policy', params: PolicyIdParams, response: Policy, errors: ['policy_not_found'] })
  enable(@Param() p: PolicyIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<Policy> {
    return this.policies.setEnabled(p.policyId, true, admin.adminId);
  }

  @Post('policies/:policyId/disable')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Disable a policy (re-enabling later gives no fresh grace period)', params: PolicyIdParams, response: Policy, errors: ['policy_not_found'] })
  disable(@Param() p: PolicyIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<Policy> {
    return this.policies.setEnabled(p.policyId, false, admin.adminId);
  }

  @Delete('policies/:policyId')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Delete a policy (kept in the audit log)', params: PolicyIdParams, status: 204, errors: ['policy_not_found'] })
  async remove(@Param() p: PolicyIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.policies.remove(p.policyId, admin.adminId);
  }

  @Get('exemptions')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({ summary: 'List live exemptions', query: ExemptionQuery, response: ExemptionList })
  async exemptions(@Query() q: z.infer<typeof ExemptionQuery>): Promise<ExemptionList> {
    return { items: await this.policies.listExemptions(q.memberId) };
  }

  @Post('exemptions')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'Excuse a member from every policy or one, with a reason', body: CreateExemptionRequest, response: Exemption, status: 201, errors: ['member_not_found', 'policy_not_found'] })
  exempt(@Body() body: CreateExemptionRequest, @CurrentAdmin() admin: AdminPrincipal): Promise<Exemption> {
    return this.policies.createExemption(body, admin.adminId);
  }

  @Delete('exemptions/:exemptionId')
  @AdminAuth(Permissions.policiesWrite, { reauth: true })
  @Endpoint({ summary: 'End an exemption', params: ExemptionIdParams, status: 204, errors: ['exemption_not_found'] })
  async unexempt(@Param() p: ExemptionIdParams, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.policies.revokeExemption(p.exemptionId, admin.adminId);
  }
}
