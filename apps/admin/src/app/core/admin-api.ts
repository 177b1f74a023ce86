import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  API_BASE,
  type AdminInviteCreated,
  type AdminRole,
  type AdminSession,
  type AdminTeam,
  type BulkResult,
  type Challenge,
  type CompleteSetupRequest,
  type CreateExemptionRequest,
  type CreatePolicyRequest,
  type CreateServerRequest,
  type DirectoryEntryList,
  type Exemption,
  type ExemptionList,
  type FactorKind,
  type LoginRequest,
  type MemberDetail,
  type MemberList,
  type MemberSecurity,
  type MemberSort,
  type MemberStatus,
  type MfaReset,
  type Policy,
  type PolicyDraft,
  type PolicyList,
  type PolicyPreview,
  type RevokedCount,
  type Server,
  type ServerList,
  type ServerWithApiKey,
  type SetupStatus,
  type TeamAdmin,
  type TotpEnrolment,
  type UpdatePolicyRequest,
  type UpdateServerRequest,
  type VerificationMethod,
} from './api-types';

export interface MemberQuery {
  serverId?: string;
  q?: string;
  status?: MemberStatus;
  groupId?: string;
  libraryId?: string;
  factor?: FactorKind | 'none';
  sort?: MemberSort;
  includeRemoved?: boolean;
  limit?: number;
  cursor?: string;
}

export interface BulkExempt {
  memberIds: string[];
  policyId: string | null;
  reason: string;
  expiresAt: string | null;
}

const member = (id: string) => `${API_BASE}/members/${encodeURIComponent(id)}`;

/** Typed calls to the Latchkey API. Errors reject with HttpErrorResponse; see `toApiProblem`. */
@Injectable({ providedIn: 'root' })
export class AdminApi {
  private readonly http = inject(HttpClient);

  setupStatus(): Promise<SetupStatus> {
    return firstValueFrom(this.http.get<SetupStatus>(`${API_BASE}/admin/setup`));
  }

  completeSetup(body: CompleteSetupRequest): Promise<AdminSession> {
    return firstValueFrom(this.http.post<AdminSession>(`${API_BASE}/admin/setup`, body));
  }

  getSession(): Promise<AdminSession> {
    return firstValueFrom(this.http.get<AdminSession>(`${API_BASE}/admin/session`));
  }

  signIn(body: LoginRequest): Promise<AdminSession> {
    return firstValueFrom(this.http.post<AdminSession>(`${API_BASE}/admin/session`, body));
  }

  signOut(): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${API_BASE}/admin/session`));
  }

  listServers(): Promise<ServerList> {
    return firstValueFrom(this.http.get<ServerList>(`${API_BASE}/servers`));
  }

  createServer(body: CreateServerRequest): Promise<ServerWithApiKey> {
    return firstValueFrom(this.http.post<ServerWithApiKey>(`${API_BASE}/servers`, body));
  }

  updateServer(serverId: string, body: UpdateServerRequest): Promise<Server> {
    return firstValueFrom(this.http.patch<Server>(`${API_BASE}/servers/${encodeURIComponent(serverId)}`, body));
  }

  rotateServerKey(serverId: string): Promise<ServerWithApiKey> {
    return firstValueFrom(
      this.http.post<ServerWithApiKey>(`${API_BASE}/servers/${encodeURIComponent(serverId)}/api-key`, {}),
    );
  }

  revokeServerKey(serverId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${API_BASE}/servers/${encodeURIComponent(serverId)}/api-key`));
  }

  listMembers(query: MemberQuery = {}): Promise<MemberList> {
    let params = new HttpParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '' && value !== false) params = params.set(name, String(value));
    }
    return firstValueFrom(this.http.get<MemberList>(`${API_BASE}/members`, { params }));
  }

  getMember(memberId: string): Promise<MemberDetail> {
    return firstValueFrom(this.http.get<MemberDetail>(member(memberId)));
  }

  memberSecurity(memberId: string): Promise<MemberSecurity> {
    return firstValueFrom(this.http.get<MemberSecurity>(`${member(memberId)}/security`));
  }

  revokeDevice(memberId: string, deviceId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${member(memberId)}/devices/${encodeURIComponent(deviceId)}`));
  }

  revokeAppPassword(memberId: string, appPasswordId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${member(memberId)}/app-passwords/${encodeURIComponent(appPasswordId)}`));
  }

  /** Force sign-out: devices forgotten, app passwords revoked, member-pages sessions ended. */
  signOutMember(memberId: string): Promise<RevokedCount> {
    return firstValueFrom(this.http.post<RevokedCount>(`${member(memberId)}/sign-out`, {}));
  }

  resetMemberMfa(memberId: string): Promise<MfaReset> {
    return firstValueFrom(this.http.post<MfaReset>(`${member(memberId)}/reset-mfa`, {}));
  }

  bulkExempt(body: BulkExempt): Promise<BulkResult> {
    return firstValueFrom(this.http.post<BulkResult>(`${API_BASE}/members/bulk/exempt`, body));
  }

  bulkSignOut(memberIds: string[]): Promise<BulkResult> {
    return firstValueFrom(this.http.post<BulkResult>(`${API_BASE}/members/bulk/sign-out`, { memberIds }));
  }

  bulkResetMfa(memberIds: string[]): Promise<BulkResult> {
    return firstValueFrom(this.http.post<BulkResult>(`${API_BASE}/members/bulk/reset-mfa`, { memberIds }));
  }

  // ---- The admin team ----

  listAdmins(): Promise<AdminTeam> {
    return firstValueFrom(this.http.get<AdminTeam>(`${API_BASE}/admins`));
  }

  inviteAdmin(email: string, role: AdminRole): Promise<AdminInviteCreated> {
    return firstValueFrom(this.http.post<AdminInviteCreated>(`${API_BASE}/admins/invites`, { email, role }));
  }

  revokeInvite(inviteId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${API_BASE}/admins/invites/${encodeURIComponent(inviteId)}`));
  }

  changeAdminRole(adminId: string, role: AdminRole): Promise<TeamAdmin> {
    return firstValueFrom(this.http.patch<TeamAdmin>(`${API_BASE}/admins/${encodeURIComponent(adminId)}`, { role }));
  }

  removeAdmin(adminId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${API_BASE}/admins/${encodeURIComponent(adminId)}`));
  }

  acceptInvite(body: { token: string; displayName: string; password: string }): Promise<AdminSession> {
    return firstValueFrom(this.http.post<AdminSession>(`${API_BASE}/admin/invites/accept`, body));
  }

  /** Groups of the media servers' directories, with member counts. */
  listGroups(serverId?: string): Promise<DirectoryEntryList> {
    const params = serverId ? new HttpParams().set('serverId', serverId) : undefined;
    return firstValueFrom(this.http.get<DirectoryEntryList>(`${API_BASE}/groups`, { params }));
  }

  listLibraries(serverId?: string): Promise<DirectoryEntryList> {
    const params = serverId ? new HttpParams().set('serverId', serverId) : undefined;
    return firstValueFrom(this.http.get<DirectoryEntryList>(`${API_BASE}/libraries`, { params }));
  }

  // ---- Policies and exemptions ----

  listPolicies(): Promise<PolicyList> {
    return firstValueFrom(this.http.get<PolicyList>(`${API_BASE}/policies`));
  }

  getPolicy(policyId: string): Promise<Policy> {
    return firstValueFrom(this.http.get<Policy>(`${API_BASE}/policies/${encodeURIComponent(policyId)}`));
  }

  createPolicy(body: CreatePolicyRequest): Promise<Policy> {
    return firstValueFrom(this.http.post<Policy>(`${API_BASE}/policies`, body));
  }

  updatePolicy(policyId: string, body: UpdatePolicyRequest): Promise<Policy> {
    return firstValueFrom(this.http.patch<Policy>(`${API_BASE}/policies/${encodeURIComponent(policyId)}`, body));
  }

  setPolicyEnabled(policyId: string, enabled: boolean): Promise<Policy> {
    const action = enabled ? 'enable' : 'disable';
    return firstValueFrom(this.http.post<Policy>(`${API_BASE}/policies/${encodeURIComponent(policyId)}/${action}`, {}));
  }

  deletePolicy(policyId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${API_BASE}/policies/${encodeURIComponent(policyId)}`));
  }

  /** Who a draft would affect today; nothing is saved. */
  previewPolicy(draft: PolicyDraft): Promise<PolicyPreview> {
    return firstValueFrom(this.http.post<PolicyPreview>(`${API_BASE}/policies/preview`, draft));
  }

  listExemptions(memberId?: string): Promise<ExemptionList> {
    const params = memberId ? new HttpParams().set('memberId', memberId) : undefined;
    return firstValueFrom(this.http.get<ExemptionList>(`${API_BASE}/exemptions`, { params }));
  }

  createExemption(body: CreateExemptionRequest): Promise<Exemption> {
    return firstValueFrom(this.http.post<Exemption>(`${API_BASE}/exemptions`, body));
  }

  revokeExemption(exemptionId: string): Promise<unknown> {
    return firstValueFrom(this.http.delete(`${API_BASE}/exemptions/${encodeURIComponent(exemptionId)}`));
  }

  // ---- Second factor (every admin signs in with one) ----

  startTotp(): Promise<TotpEnrolment> {
    return firstValueFrom(this.http.post<TotpEnrolment>(`${API_BASE}/admin/mfa/totp`, {}));
  }

  confirmTotp(factorId: string, code: string): Promise<AdminSession> {
    return firstValueFrom(this.http.post<AdminSession>(`${API_BASE}/admin/mfa/totp/${encodeURIComponent(factorId)}/confirm`, { code }));
  }

  passkeyRegistrationOptions(): Promise<Record<string, unknown>> {
    return firstValueFrom(this.http.post<Record<string, unknown>>(`${API_BASE}/admin/mfa/passkeys/options`, {}));
  }

  registerPasskey(response: Record<string, unknown>, label?: string): Promise<AdminSession> {
    return firstValueFrom(this.http.post<AdminSession>(`${API_BASE}/admin/mfa/passkeys`, { response, ...(label ? { label } : {}) }));
  }

  startChallenge(): Promise<Challenge> {
    return firstValueFrom(this.http.post<Challenge>(`${API_BASE}/admin/mfa/challenge`, {}));
  }

  passkeyAssertionOptions(challengeId: string): Promise<Record<string, unknown>> {
    return firstValueFrom(this.http.post<Record<string, unknown>>(`${API_BASE}/admin/mfa/challenge/${encodeURIComponent(challengeId)}/passkey-options`, {}));
  }

  verifyChallenge(challengeId: string, body: { method: VerificationMethod; code?: string; assertion?: Record<string, unknown> }): Promise<AdminSession> {
    return firstValueFrom(this.http.post<AdminSession>(`${API_BASE}/admin/mfa/challenge/${encodeURIComponent(challengeId)}/verify`, body));
  }
}
