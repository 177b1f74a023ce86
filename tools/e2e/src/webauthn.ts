import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** WebAuthn JSON (the shape the API sends and accepts): base64url strings instead of buffers. */
export type Json = Record<string, unknown>;

export interface ApiResult<T = Json> {
  status: number;
  body: T;
}

type Descriptor = { id: string; type?: string; transports?: string[] };
type OptionsJson = {
  challenge: string;
  user?: { id: string };
  excludeCredentials?: Descriptor[];
  allowCredentials?: Descriptor[];
} & Json;

/** What installWebAuthnHelpers puts on `window`. */
interface PageHelpers {
  create(options: OptionsJson): Promise<Json>;
  get(options: OptionsJson): Promise<Json>;
  api(method: string, path: string, body: unknown, csrf: string | undefined): Promise<ApiResult<unknown>>;
}
declare global {
  interface Window {
    __lk: PageHelpers;
  }
}

/**
 * Installed into every page (as an init script, so it survives navigation): `window.__lk` converts the
 * API's WebAuthn JSON options into what `navigator.credentials.create/get` take, turns the resulting
 * PublicKeyCredential back into JSON, and calls the API with the page's own cookies. Self-contained on
 * purpose: Playwright ships the function's source text to the browser.
 */
export function installWebAuthnHelpers(): void {
  const toBuf = (s: string): ArrayBuffer => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  };
  const toB64u = (b: ArrayBuffer | null): string | undefined => {
    if (!b) return undefined;
    const bytes = new Uint8Array(b);
    let bin = '';
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i] as number);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const descs = (list: Descriptor[] | undefined) =>
    (list ?? []).map(
      (c) =>
        ({
          ...c,
          type: 'public-key' as const,
          id: toBuf(c.id),
        }) as PublicKeyCredentialDescriptor,
    );

  window.__lk = {
    async create(o) {
      const publicKey = {
        ...o,
        challenge: toBuf(o.challenge),
        user: { ...o.user, id: toBuf(o.user?.id ?? '') },
        excludeCredentials: descs(o.excludeCredentials),
      } as unknown as PublicKeyCredentialCreationOptions;
      const cred = (await navigator.credentials.create({
        publicKey,
      })) as PublicKeyCredential;
      const r = cred.response as AuthenticatorAttestationResponse;
      return {
        id: cred.id,
        rawId: toB64u(cred.rawId),
        type: cred.type,
        authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
        clientExtensionResults: cred.getClientExtensionResults(),
        response: {
          clientDataJSON: toB64u(r.clientDataJSON),
          attestationObject: toB64u(r.attestationObject),
          transports: r.getTransports?.() ?? [],
          publicKeyAlgorithm: r.getPublicKeyAlgorithm?.(),
          publicKey: toB64u(r.getPublicKey?.() ?? null),
          authenticatorData: toB64u(r.getAuthenticatorData?.() ?? null),
        },
      };
    },
    async get(o) {
      const publicKey = {
        ...o,
        challenge: toBuf(o.challenge),
        allowCredentials: descs(o.allowCredentials),
      } as unknown as PublicKeyCredentialRequestOptions;
      const cred = (await navigator.credentials.get({
        publicKey,
      })) as PublicKeyCredential;
      const r = cred.response as AuthenticatorAssertionResponse;
      return {
        id: cred.id,
        rawId: toB64u(cred.rawId),
        type: cred.type,
        authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
        clientExtensionResults: cred.getClientExtensionResults(),
        response: {
          clientDataJSON: toB64u(r.clientDataJSON),
          authenticatorData: toB64u(r.authenticatorData),
          signature: toB64u(r.signature),
          userHandle: toB64u(r.userHandle),
        },
      };
    },
    async api(method, path, body, csrf) {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
      const res = await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/** A virtual platform authenticator (CTAP2, resident keys, user verification) that answers every ceremony of `page`. */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

/** One person's browser: its own context (cookie jar), a page on the service's origin and a virtual authenticator. */
export class BrowserUser {
  csrf: string | undefined;

  private constructor(
    readonly page: Page,
    readonly cdp: CDPSession,
    readonly authenticatorId: string,
  ) {}

  static async open(browser: Browser, origin: string): Promise<BrowserUser> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.addInitScript(installWebAuthnHelpers);
    await page.goto(`${origin}/`);
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page);
    return new BrowserUser(page, cdp, authenticatorId);
  }

  /** Calls the API from the page (the browser's cookies), sending and remembering the CSRF token. */
  async api<T = Json>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const res = await this.page.evaluate(([m, p, b, c]) => window.__lk.api(m, p, b, c), [method, path, body, this.csrf] as const);
    const token = (res.body as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string') this.csrf = token;
    return res as ApiResult<T>;
  }

  create(options: Json): Promise<Json> {
    return this.page.evaluate((o) => window.__lk.create(o as OptionsJson), options);
  }

  get(options: Json): Promise<Json> {
    return this.page.evaluate((o) => window.__lk.get(o as OptionsJson), options);
  }

  async credentials(): Promise<
    Array<{
      credentialId: string;
      isResidentCredential: boolean;
      rpId?: string;
      privateKey: string;
      userHandle?: string;
      signCount: number;
    }>
  > {
    return (
      await this.cdp.send('WebAuthn.getCredentials', {
        authenticatorId: this.authenticatorId,
      })
    ).credentials;
  }

  close(): Promise<void> {
    return this.page.context().close();
  }
}

// ---- Tampering, in Node -------------------------------------------------------------------------

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');
const unb64u = (s: unknown) => Buffer.from(String(s), 'base64url');
const clone = <T>(v: T): T => structuredClone(v);
const responseOf = (cred: Json) => cred['response'] as Json;

/** The same assertion with one byte of the signature flipped. */
export function withFlippedSignatureByte(assertion: Json): Json {
  const out = clone(assertion);
  const sig = unb64u(responseOf(out)['signature']);
  const i = Math.floor(sig.length / 2);
  sig[i] = (sig[i] as number) ^ 0x01;
  responseOf(out)['signature'] = b64u(sig);
  return out;
}

/** Reads clientDataJSON of a registration or an assertion. */
export function clientData(cred: Json): {
  type: string;
  challenge: string;
  origin: string;
} {
  return JSON.parse(unb64u(responseOf(cred)['clientDataJSON']).toString('utf8'));
}

/** The same response with clientDataJSON's origin rewritten (the signature no longer covers it). */
export function withClientDataOrigin(cred: Json, origin: string): Json {
  const out = clone(cred);
  const data = { ...clientData(out), origin };
  responseOf(out)['clientDataJSON'] = b64u(Buffer.from(JSON.stringify(data), 'utf8'));
  return out;
}

/** The signature counter an assertion carries (authenticatorData bytes 33..36). */
export function signCountOf(assertion: Json): number {
  return unb64u(responseOf(assertion)['authenticatorData']).readUInt32BE(33);
}

/**
 * A genuine registration response whose attested credential id is replaced by `credentialId`
 * (base64url). With attestation "none" nothing signs the attestation object, so only the server's own
 * bookkeeping can stop a second account from claiming a credential id that is already registered.
 */
export function withCredentialId(registration: Json, credentialId: string): Json {
  const out = clone(registration);
  const response = responseOf(out);
  type Cbor = Parameters<typeof isoCBOR.encode>[0];
  const attestation = isoCBOR.decodeFirst<Map<string, Cbor>>(unb64u(response['attestationObject']));
  const authData = Buffer.from(attestation.get('authData') as Uint8Array);
  // rpIdHash(32) flags(1) signCount(4) aaguid(16) credIdLength(2) credId(L) publicKey…
  const oldLength = authData.readUInt16BE(53);
  const newId = unb64u(credentialId);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(newId.length);
  const patched = Buffer.concat([authData.subarray(0, 53), length, newId, authData.subarray(55 + oldLength)]);
  attestation.set('authData', new Uint8Array(patched));
  response['attestationObject'] = b64u(isoCBOR.encode(attestation));
  if (typeof response['authenticatorData'] === 'string') response['authenticatorData'] = b64u(patched);
  out['id'] = credentialId;
  out['rawId'] = credentialId;
  return out;
}
