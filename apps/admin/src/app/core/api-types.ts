/**
 * The API's types come from libs/contracts. Only types are imported: the contracts' runtime values are
 * zod schemas, which the console does not need, so the few constants it uses are restated here and
 * checked against the contract types.
 */
import type { AdminRole, ErrorCode, FactorKind, MemberStatus, ServerKind } from '@latchkey/contracts';

export type {
  Admin,
  AdminInvite,
  AdminInviteCreated,
  AdminRole,
  AdminSession,
  AdminTeam,
  AppPassword,
  BulkResult,
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
  Factor,
  FactorKind,
  LoginRequest,
  Member,
  MemberDetail,
  MemberDevice,
  MemberList,
  MemberListItem,
  MemberPolicyStanding,
  MemberSecurity,
  MemberSort,
  MemberStatus,
  MfaReset,
  Policy,
  PolicyDraft,
  PolicyList,
  PolicyPreview,
  RevokedCount,
  Server,
  ServerKind,
  ServerList,
  ServerWithApiKey,
  SetupStatus,
  TeamAdmin,
  TotpEnrolment,
  UpdatePolicyRequest,
  UpdateServerRequest,
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
  reauthRequired: 'reauth_required',
  inviteInvalid: 'invite_invalid',
  lastOwner: 'last_owner',
  conflict: 'conflict',
} as const satisfies Record<string, ErrorCode>;

export const ADMIN_ROLES: readonly { value: AdminRole; label: string; hint: string }[] = [
  { value: 'owner', label: 'Owner', hint: 'Everything, including inviting and removing admins.' },
  { value: 'admin', label: 'Admin', hint: 'Everything but the admin team.' },
  { value: 'viewer', label: 'Viewer', hint: 'Sees everything, changes nothing.' },
];

export const MEMBER_STATUSES: readonly { value: MemberStatus; label: string }[] = [
  { value: 'compliant', label: 'Compliant' },
  { value: 'in_grace', label: 'In grace' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'exempt', label: 'Exempt' },
  { value: 'not_required', label: 'Not required' },
];

export const FACTOR_KINDS: readonly { value: FactorKind; label: string }[] = [
  { value: 'passkey', label: 'Passkey' },
  { value: 'totp', label: 'Authenticator app' },
  { value: 'email', label: 'E-mail codes' },
  { value: 'recovery_codes', label: 'Recovery codes' },
];
