import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import type {
  Challenge,
  EmailCodeSent,
  FactorList,
  ForwardAuthSignInInfo,
  PasswordSignInResult,
  SignInDone,
  MemberSelf,
  PendingFactor,
  RecoveryCodes,
  TotpEnrolment,
  VerificationMethod,
  VerifyResult,
} from '@latchkey/contracts';
import { firstValueFrom } from 'rxjs';
import type { JsonObject } from '@latchkey/ui';

export const API = '/api/v1';
export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * The member pages' API. Holds the session's CSRF token: every POST and DELETE sends the latest one, and any
 * response that carries a new one (the session is renewed after each verification) replaces it.
 */
@Injectable({ providedIn: 'root' })
export class PortalApi {
  private readonly http = inject(HttpClient);
  readonly csrfToken = signal<string | null>(null);

  startSession(link: string): Promise<MemberSelf> {
    return this.post<MemberSelf>('/portal/session', { link });
  }
  me(): Promise<MemberSelf> {
    return this.get<MemberSelf>('/me');
  }
  factors(): Promise<FactorList> {
    return this.get<FactorList>('/me/factors');
  }

  startTotp(): Promise<TotpEnrolment> {
    return this.post<TotpEnrolment>('/me/factors/totp', {});
  }
  confirmTotp(factorId: string, code: string): Promise<MemberSelf> {
    return this.post<MemberSelf>(`/me/factors/totp/${encodeURIComponent(factorId)}/confirm`, { code });
  }
  startEmail(email?: string): Promise<PendingFactor> {
    return this.post<PendingFactor>('/me/factors/email', email ? { email } : {});
  }
  confirmEmail(factorId: string, code: string): Promise<MemberSelf> {
    return this.post<MemberSelf>(`/me/factors/email/${encodeURIComponent(factorId)}/confirm`, { code });
  }
  passkeyCreationOptions(): Promise<JsonObject> {
    return this.post<JsonObject>('/me/factors/passkeys/options', {});
  }
  registerPasskey(response: JsonObject, label?: string): Promise<MemberSelf> {
    return this.post<MemberSelf>('/me/factors/passkeys', label ? { label, response } : { response });
  }
  recoveryCodes(): Promise<RecoveryCodes> {
    return this.post<RecoveryCodes>('/me/factors/recovery-codes', {});
  }

  stepUp(): Promise<Challenge> {
    return this.post<Challenge>('/me/challenges', {});
  }
  challenge(id: string): Promise<Challenge> {
    return this.get<Challenge>(`/me/challenges/${encodeURIComponent(id)}`);
  }
  emailChallengeCode(id: string): Promise<EmailCodeSent> {
    return this.post<EmailCodeSent>(`/me/challenges/${encodeURIComponent(id)}/email`, {});
  }
  passkeyRequestOptions(id: string): Promise<JsonObject> {
    return this.post<JsonObject>(`/me/challenges/${encodeURIComponent(id)}/passkey-options`, {});
  }
  verify(id: string, answer: { method: Exclude<VerificationMethod, 'passkey'>; code: string } | { method: 'passkey'; assertion: JsonObject }): Promise<VerifyResult> {
    return this.post<VerifyResult>(`/me/challenges/${encodeURIComponent(id)}/verify`, answer);
  }

  /** Signing in for a page behind forward-auth (`rd`: the page to return to). */
  signInInfo(rd: string): Promise<ForwardAuthSignInInfo> {
    return this.get<ForwardAuthSignInInfo>(`/forward-auth/sign-in?rd=${encodeURIComponent(rd)}`);
  }
  signInWithPassword(rd: string, username: string, password: string): Promise<PasswordSignInResult> {
    return this.post<PasswordSignInResult>('/forward-auth/sign-in/password', { rd, username, password });
  }
  completeSignIn(rd: string): Promise<SignInDone> {
    return this.post<SignInDone>('/forward-auth/sign-in/complete', { rd });
  }
  signInPasskeyOptions(rd: string): Promise<JsonObject> {
    return this.post<JsonObject>('/forward-auth/sign-in/passkey/options', { rd });
  }
  signInWithPasskey(rd: string, response: JsonObject): Promise<SignInDone> {
    return this.post<SignInDone>('/forward-auth/sign-in/passkey', { rd, response });
  }

  private async get<T>(path: string): Promise<T> {
    return this.remember(await firstValueFrom(this.http.get<T>(API + path)));
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const token = this.csrfToken();
    const headers = token ? new HttpHeaders({ [CSRF_HEADER]: token }) : undefined;
    return this.remember(await firstValueFrom(this.http.post<T>(API + path, body, { headers })));
  }

  private remember<T>(body: T): T {
    const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string' && token) this.csrfToken.set(token);
    return body;
  }
}
