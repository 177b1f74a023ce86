import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  API_BASE,
  type AdminSession,
  type Challenge,
  type CompleteSetupRequest,
  type CreateExemptionRequest,
  type CreatePolicyRequest,
  type CreateServerRequest,
  type DirectoryEntryList,
  type Exemption,
  type ExemptionList,
  type LoginRequest,
  type MemberList,
  type Policy,
  type PolicyDraft,
  type PolicyList,
  type PolicyPreview,
  type ServerList,
  type ServerWithApiKey,
  type SetupStatus,
  type TotpEnrolment,
  type UpdatePolicyRequest,
  type VerificationMethod,
} from './api-types';

export interface MemberQuery {
  serverId?: string;
  q?: string;
  includeRemoved?: boolean;
  limit?: number;
  cursor?: string;
}

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
    if (query.serverId) params = params.set('serverId', query.serverId);
    if (query.q) params = params.set('q', query.q);
    if (query.includeRemoved) params = params.set('includeRemoved', 'true');
    if (query.limit) params = params.set('limit', String(query.limit));
    if (query.cursor) params = params.set('cursor', query.cursor);
    return firstValueFrom(this.http.get<MemberList>(`${API_BASE}/members`, { params }));
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
