/**
 * @latchkey/client — the TypeScript SDK for media-server plugins and gateways: directory sync, sign-in and
 * library-access decisions, challenge polling, member-page links, and webhook verification.
 */
export { LatchkeyClient, isAllowed, type LatchkeyClientOptions, type WaitForChallengeOptions } from './client';
export {
  LatchkeyError,
  LatchkeyAuthError,
  LatchkeyConflictError,
  LatchkeyNotFoundError,
  LatchkeyRateLimitError,
  LatchkeyUnavailableError,
  LatchkeyValidationError,
  type ClientErrorCode,
  type LatchkeyErrorCode,
} from './errors';
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  LatchkeyWebhookError,
  WEBHOOK_SIGNATURE_HEADER,
  parseWebhook,
  signWebhook,
  verifyWebhookSignature,
  type VerifyWebhookOptions,
  type WebhookVerification,
} from './webhooks';
export type {
  AccessInput,
  ChallengeStatus,
  DecisionResponse,
  DirectorySyncResult,
  ErrorCode,
  ErrorIssue,
  LoginChallenge,
  LoginDecisionInput,
  PatchDirectoryInput,
  PortalLink,
  ReplaceDirectoryInput,
  RevocationList,
  ServerSelf,
} from '@latchkey/contracts';
