/**
 * Passkeys in the browser with the JSON forms the API speaks, through the browser's own JSON helpers
 * (PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON / toJSON). Where they are
 * missing, `passkeysSupported()` is false and the pages offer only codes.
 */
export type JsonObject = Record<string, unknown>;
interface PkcStatics {
  parseCreationOptionsFromJSON?: (o: JsonObject) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (o: JsonObject) => PublicKeyCredentialRequestOptions;
}
type JsonCredential = Credential & { toJSON(): JsonObject };

function statics(): PkcStatics | undefined {
  return (globalThis as unknown as { PublicKeyCredential?: PkcStatics }).PublicKeyCredential;
}

export function passkeysSupported(): boolean {
  const pkc = statics();
  return !!pkc?.parseCreationOptionsFromJSON && !!pkc.parseRequestOptionsFromJSON && !!globalThis.navigator?.credentials;
}

export async function createPasskey(options: JsonObject): Promise<JsonObject> {
  const pkc = statics() as Required<PkcStatics>;
  const credential = (await navigator.credentials.create({ publicKey: pkc.parseCreationOptionsFromJSON(options) })) as JsonCredential | null;
  if (!credential) throw new Error('No passkey was created.');
  return credential.toJSON();
}

export async function usePasskey(options: JsonObject): Promise<JsonObject> {
  const pkc = statics() as Required<PkcStatics>;
  const credential = (await navigator.credentials.get({ publicKey: pkc.parseRequestOptionsFromJSON(options) })) as JsonCredential | null;
  if (!credential) throw new Error('No passkey was used.');
  return credential.toJSON();
}

/** The member closed the browser's passkey window, or it timed out: not an error worth alarming them about. */
export function passkeyCancelled(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'AbortError');
}
