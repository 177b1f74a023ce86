import type { ErrorBody, ErrorCode, ErrorIssue } from '@latchkey/contracts';

/** Codes the SDK itself reports, besides the API's own (`ErrorCode`). */
export type ClientErrorCode = 'network_error' | 'timeout' | 'aborted' | 'unexpected_response';
export type LatchkeyErrorCode = ErrorCode | ClientErrorCode;

/**
 * Anything that went wrong talking to Latchkey, typed by the API's stable error code (`code`) — branch on
 * it, never on `message`. Subclasses group the codes by what a plugin does about them.
 */
export class LatchkeyError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came (network, timeout, abort). */
    readonly status: number,
    readonly code: LatchkeyErrorCode,
    message: string,
    readonly details?: ErrorBody['error']['details'],
    /** Latchkey's request id, to find the request in its logs. */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Narrows to one code: `if (e instanceof LatchkeyError && e.is('member_not_found'))`. */
  is<C extends LatchkeyErrorCode>(code: C): this is this & { code: C } {
    return this.code === code;
  }

  /** For `validation_failed`: which fields were wrong, and why. */
  get issues(): ErrorIssue[] {
    return this.details?.issues ?? [];
  }

  /** Worth retrying later (Latchkey unreachable, overloaded, or limiting the rate): not the caller's fault. */
  get transient(): boolean {
    return this.status === 0 ? this.code !== 'aborted' : this.status === 429 || this.status >= 500;
  }
}

/** 401 / 403: the API key is wrong, revoked, or not allowed to do this. */
export class LatchkeyAuthError extends LatchkeyError {}
/** 400 / 413 / 415: the request was refused as invalid; `issues` says what to fix. */
export class LatchkeyValidationError extends LatchkeyError {}
/** 404: no such member, challenge, … (`code` says which). */
export class LatchkeyNotFoundError extends LatchkeyError {}
/** 409: conflicts with the current state. */
export class LatchkeyConflictError extends LatchkeyError {}
/** 429: too many requests; try again later. */
export class LatchkeyRateLimitError extends LatchkeyError {}
/** 5xx, network failure or timeout: Latchkey could not answer. Fail closed: let nobody in meanwhile. */
export class LatchkeyUnavailableError extends LatchkeyError {}

/** The error for an answer with this status and error body. */
export function errorFor(status: number, code: LatchkeyErrorCode, message: string, details?: ErrorBody['error']['details'], requestId?: string): LatchkeyError {
  const Kind =
    status === 0 || status >= 500
      ? LatchkeyUnavailableError
      : status === 401 || status === 403
        ? LatchkeyAuthError
        : status === 404
          ? LatchkeyNotFoundError
          : status === 409
            ? LatchkeyConflictError
            : status === 429
              ? LatchkeyRateLimitError
              : status >= 400
                ? LatchkeyValidationError
                : LatchkeyError;
  return new Kind(status, code, message, details, requestId);
}
