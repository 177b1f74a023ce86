import { Injectable, InjectionToken, inject, signal } from '@angular/core';
import type {
  AppPasswordCreated,
  Challenge,
  EmailCodeSent,
  FactorList,
  MemberSecurity,
  ForwardAuthSignInInfo,
  PasswordSignInResult,
  SignInDone,
  MemberSelf,
  PairingRequest,
  PairingStarted,
  PendingFactor,
  RecoveryCodes,
  RecoveryCodesStatus,
  RevokedCount,
  TotpEnrolment,
  VerificationMethod,
  VerifyResult,
} from '@latchkey/contracts';
import type { JsonObject } from '@latchkey/ui';

export const API = '/api/v1';
export const CSRF_HEADER = 'X-CSRF-Token';

/** What the pages need of an HTTP response. */
export type ApiResponse = Pick<Response, 'ok' | 'status' | 'text'>;
export type ApiFetch = (url: string, init: RequestInit) => Promise<ApiResponse>;

/**
 * How the pages reach the API: the browser's own `fetch`. (Angular's HttpClient would add ~22 kB to the first
 * load of pages that are meant to open fast on a phone; tests put a fake here.)
 */
export const API_FETCH = new InjectionToken<ApiFetch>('API_FETCH', {
  providedIn: 'root',
  factory: () => (url, init) => globalThis.fetch(url, init),
});

/** An answer other than 2xx (`status` 0: the API could not be reached); `body` is the parsed error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`API answered ${status}`);
    this.name = 'ApiError';
  }
}

export type ChallengeAnswer =
  | { method: Exclude<VerificationMethod, 'passkey'>; code: string; remember?: boolean }
  | { method: 'passkey'; assertion: JsonObject; remember?: boolean };

/**
 * The member pages' API. Holds the session's CSRF token: every POST and DELETE sends the latest one, and any
 * response that carries a new one (the session is renewed after each verification) replaces it.
 */
@Injectable({ providedIn: 'root' })
export class PortalApi {
  private readonly fetch = inject(API_FETCH);
  readonly csrfToken = signal<string | null>(null);

  startSession(link: string): Promise<MemberSelf> {
    return this.call<MemberSelf>('POST', '/portal/session', { link });
  }
  endSession(): Promise<void> {
    return this.call<void>('DELETE', '/portal/session');
  }
  me(): Promise<MemberSelf> {
    return this.call<MemberSelf>('GET', '/me');
  }
  factors(): Promise<FactorList> {
    return this.call<FactorList>('GET', '/me/factors');
  }

  startTotp(): Promise<TotpEnrolment> {
    return this.call<TotpEnrolment>('POST', '/me/factors/totp', {});
  }
  confirmTotp(factorId: string, code: string): Promise<MemberSelf> {
    return this.call<MemberSelf>('POST', `/me/factors/totp/${encodeURIComponent(factorId)}/confirm`, { code });
  }
  startEmail(email?: string): Promise<PendingFactor> {
    return this.call<PendingFactor>('POST', '/me/factors/email', email ? { email } : {});
  }
  confirmEmail(factorId: string, code: string): Promise<MemberSelf> {
    return this.call<MemberSelf>('POST', `/me/factors/email/${encodeURIComponent(factorId)}/confirm`, { code });
  }
  passkeyCreationOptions(): Promise<JsonObject> {
    return this.call<JsonObject>('POST', '/me/factors/passkeys/options', {});
  }
  registerPasskey(response: JsonObject, label?: string): Promise<MemberSelf> {
    return this.call<MemberSelf>('POST', '/me/factors/passkeys', label ? { label, response } : { response });
  }
  recoveryCodes(): Promise<RecoveryCodes> {
    return this.call<RecoveryCodes>('POST', '/me/factors/recovery-codes', {});
  }
  recoveryStatus(): Promise<RecoveryCodesStatus> {
    return this.call<RecoveryCodesStatus>('GET', '/me/factors/recovery-codes');
  }
  removeFactor(factorId: string): Promise<void> {
    return this.call<void>('DELETE', `/me/factors/${encodeURIComponent(factorId)}`);
  }

  stepUp(): Promise<Challenge> {
    return this.call<Challenge>('POST', '/me/challenges', {});
  }
  challenge(id: string): Promise<Challenge> {
    return this.call<Challenge>('GET', `/me/challenges/${encodeURIComponent(id)}`);
  }
  emailChallengeCode(id: string): Promise<EmailCodeSent> {
    return this.call<EmailCodeSent>('POST', `/me/challenges/${encodeURIComponent(id)}/email`, {});
  }
  passkeyRequestOptions(id: string): Promise<JsonObject> {
    return this.call<JsonObject>('POST', `/me/challenges/${encodeURIComponent(id)}/passkey-options`, {});
  }
  verify(id: string, answer: ChallengeAnswer): Promise<VerifyResult> {
    return this.call<VerifyResult>('POST', `/me/challenges/${encodeURIComponent(id)}/verify`, answer);
  }

  /** The code a TV shows: opens a session that can only confirm it is you and answer that TV. */
  startPairing(userCode: string): Promise<PairingStarted> {
    return this.call<PairingStarted>('POST', '/pairing', { userCode });
  }
  pairingRequest(): Promise<PairingRequest> {
    return this.call<PairingRequest>('GET', '/me/pairing');
  }
  answerPairing(answer: 'approve' | 'deny'): Promise<PairingRequest> {
    return this.call<PairingRequest>('POST', `/me/pairing/${answer}`, {});
  }

  /** Signing in for a page behind forward-auth (`rd`: the page to return to). */
  signInInfo(rd: string): Promise<ForwardAuthSignInInfo> {
    return this.call<ForwardAuthSignInInfo>('GET', `/forward-auth/sign-in?rd=${encodeURIComponent(rd)}`);
  }
  signInWithPassword(rd: string, username: string, password: string): Promise<PasswordSignInResult> {
    return this.call<PasswordSignInResult>('POST', '/forward-auth/sign-in/password', { rd, username, password });
  }
  completeSignIn(rd: string): Promise<SignInDone> {
    return this.call<SignInDone>('POST', '/forward-auth/sign-in/complete', { rd });
  }
  signInPasskeyOptions(rd: string): Promise<JsonObject> {
    return this.call<JsonObject>('POST', '/forward-auth/sign-in/passkey/options', { rd });
  }
  signInWithPasskey(rd: string, response: JsonObject): Promise<SignInDone> {
    return this.call<SignInDone>('POST', '/forward-auth/sign-in/passkey', { rd, response });
  }

  security(): Promise<MemberSecurity> {
    return this.call<MemberSecurity>('GET', '/me/security');
  }
  forgetDevice(deviceId: string): Promise<void> {
    return this.call<void>('DELETE', `/me/devices/${encodeURIComponent(deviceId)}`);
  }
  createAppPassword(name: string): Promise<AppPasswordCreated> {
    return this.call<AppPasswordCreated>('POST', '/me/app-passwords', { name });
  }
  revokeAppPassword(id: string): Promise<void> {
    return this.call<void>('DELETE', `/me/app-passwords/${encodeURIComponent(id)}`);
  }
  signOutEverywhere(): Promise<RevokedCount> {
    return this.call<RevokedCount>('POST', '/me/sign-out-everywhere', {});
  }
  lostPhone(): Promise<RevokedCount> {
    return this.call<RevokedCount>('POST', '/me/lost-phone', {});
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.csrfToken();
    if (method !== 'GET' && token) headers[CSRF_HEADER] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: ApiResponse;
    let text: string;
    try {
      res = await this.fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
      text = await res.text();
    } catch {
      throw new ApiError(0, null);
    }
    const parsed = parse(text);
    if (!res.ok) throw new ApiError(res.status, parsed);
    return this.remember(parsed as T);
  }

  private remember<T>(body: T): T {
    const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string' && token) this.csrfToken.set(token);
    return body;
  }
}

function parse(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
