/**
 * The API's types come from libs/contracts. Only types are imported: the contracts' runtime values are
 * zod schemas, which the console does not need, so the few constants it uses are restated here and
 * checked against the contract types.
 */
import type { ErrorCode, ServerKind } from '@latchkey/contracts';

export type {
  Admin,
  AdminSession,
  Challenge,
  CompleteSetupRequest,
  CreateExemptionRequest,
  CreatePolicyRequest,
  CreateServerRequest,
  DirectoryEntry,
  DirectoryEntryList,
  ErrorBody,
  ErrorCode,
  ErrorIssue,
  Exemption,
  ExemptionList,
  LoginRequest,
  Member,
  MemberList,
  Policy,
  PolicyDraft,
  PolicyList,
  PolicyPreview,
  Server,
  ServerKind,
  ServerList,
  ServerWithApiKey,
  SetupStatus,
  TotpEnrolment,
  UpdatePolicyRequest,
  VerificationMethod,
} from '@latchkey/contracts';

export const API_BASE = '/api/v1';

/** Header that carries the session's CSRF token on state-changing requests (contracts: CSRF_HEADER). */
export const CSRF_HEADER = 'X-CSRF-Token';

export const SERVER_KINDS: readonly { value: ServerKind; label: string }[] = [
  { value: 'jellyfin', label: 'Jellyfin' },
  { value: 'plex', label: 'Plex' },
  { value: 'emby', label: 'Emby' },
  { value: 'other', label: 'Other' },
];

/** The error codes the console branches on. */
export const Codes = {
  validationFailed: 'validation_failed',
  unauthenticated: 'unauthenticated',
  setupTokenInvalid: 'setup_token_invalid',
  setupAlreadyDone: 'setup_already_done',
  invalidCredentials: 'invalid_credentials',
} as const satisfies Record<string, ErrorCode>;
