/**
 * Stable error codes. Clients (the SDK, the admin console, the member pages, media-server plugins)
 * branch on these, never on messages. Adding a code is fine; renaming or removing one is a breaking
 * change of the API.
 */
export const ErrorCodes = {
  validationFailed: 'validation_failed',
  malformedJson: 'malformed_json',
  unsupportedMediaType: 'unsupported_media_type',
  payloadTooLarge: 'payload_too_large',
  headersTooLarge: 'headers_too_large',
  requestTimeout: 'request_timeout',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  csrfFailed: 'csrf_failed',
  conflict: 'conflict',
  rateLimited: 'rate_limited',
  setupTokenInvalid: 'setup_token_invalid',
  setupAlreadyDone: 'setup_already_done',
  invalidCredentials: 'invalid_credentials',
  serverNotFound: 'server_not_found',
  tokenNotFound: 'token_not_found',
  directoryUnknownReference: 'directory_unknown_reference',
  directoryDuplicate: 'directory_duplicate',
  verificationFailed: 'verification_failed',
  verificationRequired: 'verification_required',
  mfaRequired: 'mfa_required',
  challengeNotFound: 'challenge_not_found',
  factorNotFound: 'factor_not_found',
  factorUnavailable: 'factor_unavailable',
  linkInvalid: 'link_invalid',
  memberNotFound: 'member_not_found',
  policyNotFound: 'policy_not_found',
  exemptionNotFound: 'exemption_not_found',
  deviceNotFound: 'device_not_found',
  appPasswordNotFound: 'app_password_not_found',
  pairingCodeInvalid: 'pairing_code_invalid',
  channelNotFound: 'channel_not_found',
  channelUnavailable: 'channel_unavailable',
  targetRefused: 'target_refused',
  serviceUnavailable: 'service_unavailable',
  emailUnavailable: 'email_unavailable',
  internal: 'internal_error',
  reauthRequired: 'reauth_required',
  adminNotFound: 'admin_not_found',
  inviteNotFound: 'invite_not_found',
  inviteInvalid: 'invite_invalid',
  lastOwner: 'last_owner',
  returnUrlNotAllowed: 'return_url_not_allowed',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Default human message per code; the API may give a more specific one. */
export const ErrorMessages: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid.',
  malformed_json: 'The request body is not valid JSON.',
  unsupported_media_type: 'Send the request body as application/json.',
  payload_too_large: 'The request body is too large.',
  headers_too_large: 'The request headers are too large.',
  request_timeout: 'The request was not received in time.',
  not_found: 'Nothing was found at this address.',
  method_not_allowed: 'This method is not allowed here.',
  unauthenticated: 'Sign in or provide a valid API key.',
  forbidden: 'You are not allowed to do this.',
  csrf_failed: 'The request could not be verified. Reload the page and try again.',
  conflict: 'This conflicts with the current state.',
  rate_limited: 'Too many attempts. Wait a moment and try again.',
  setup_token_invalid: 'This setup link is invalid, expired or already used.',
  setup_already_done: 'Latchkey already has an owner account.',
  invalid_credentials: 'The email address or password is not correct.',
  server_not_found: 'No such media server.',
  token_not_found: 'No such token.',
  directory_unknown_reference: 'The directory refers to something that is not in it.',
  directory_duplicate: 'The directory lists the same id twice.',
  verification_failed: 'That did not work. Check the code and try again, or use another way to verify.',
  verification_required: 'Confirm it is you with one of your existing sign-in methods first.',
  mfa_required: 'Finish signing in with your second factor first.',
  challenge_not_found: 'This verification request is unknown or has expired.',
  factor_not_found: 'No such sign-in method.',
  factor_unavailable: 'This sign-in method is not available here.',
  link_invalid: 'This link is invalid, expired or already used. Ask your media server for a new one.',
  member_not_found: 'No such member.',
  policy_not_found: 'No such policy.',
  exemption_not_found: 'No such exemption.',
  device_not_found: 'No such device.',
  app_password_not_found: 'No such app password.',
  pairing_code_invalid: 'This code is not valid, or it has expired. Check the code on your TV; if it has changed, type the new one.',
  channel_not_found: 'No such notification channel.',
  channel_unavailable: 'This kind of notification channel is not available here.',
  target_refused: 'Latchkey does not send to this address (loopback, private, link-local or otherwise local). Allow-list it with LATCHKEY_WEBHOOK_ALLOW_HOSTS if you mean it.',
  service_unavailable: 'The service is not ready. Try again shortly.',
  email_unavailable: 'The e-mail could not be sent right now. Try again in a few minutes, or use another way to verify.',
  internal_error: 'Something went wrong on our side. The error has been logged.',
  reauth_required: 'Confirm it is you with your second factor again before changing security settings.',
  admin_not_found: 'No such admin.',
  invite_not_found: 'No such invitation.',
  invite_invalid: 'This invitation link is invalid, expired or already used. Ask the owner for a new one.',
  last_owner: 'Latchkey needs at least one owner: make someone else an owner first.',
  return_url_not_allowed: "The return URL is not allowed: it must be an http(s) URL on the media server's base URL origin or one of its web origins.",
};

export interface ErrorIssue {
  /** JSON path of the offending value, e.g. `members.3.email`; empty for the whole body. */
  path: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: { issues?: ErrorIssue[]; [key: string]: unknown };
    requestId?: string;
  };
}
