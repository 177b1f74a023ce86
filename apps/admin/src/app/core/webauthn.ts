/**
 * WebAuthn in the browser with the JSON forms the API speaks. Uses the browser's own JSON helpers
 * (PublicKeyCredential.parseCreationOptionsFromJSON / toJSON), available in current Chromium, Firefox and
 * Safari; `passkeysSupported()` is false where they are missing, and the page then offers only codes.
 */
type JsonOptions = Record<string, unknown>;
interface PkcStatics {
  parseCreationOptionsFromJSON?: (o: JsonOptions) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (o: JsonOptions) => PublicKeyCredentialRequestOptions;
}

export function passkeysSupported(): boolean {
  const pkc = (globalThis as unknown as { PublicKeyCredential?: PkcStatics }).PublicKeyCredential;
  return !!pkc?.parseCreationOptionsFromJSON && !!pkc.parseRequestOptionsFromJSON && !!navigator.credentials;
}

export async function createPasskey(options: JsonOptions): Promise<Record<string, unknown>> {
  const pkc = (globalThis as unknown as { PublicKeyCredential: Required<PkcStatics> }).PublicKeyCredential;
  const credential = (await navigator.credentials.create({ publicKey: pkc.parseCreationOptionsFromJSON(options) })) as (Credential & { toJSON(): Record<string, unknown> }) | null;
  if (!credential) throw new Error('No passkey was created.');
  return credential.toJSON();
}

export async function usePasskey(options: JsonOptions): Promise<Record<string, unknown>> {
  const pkc = (globalThis as unknown as { PublicKeyCredential: Required<PkcStatics> }).PublicKeyCredential;
  const credential = (await navigator.credentials.get({ publicKey: pkc.parseRequestOptionsFromJSON(options) })) as (Credential & { toJSON(): Record<string, unknown> }) | null;
  if (!credential) throw new Error('No passkey was used.');
  return credential.toJSON();
}
