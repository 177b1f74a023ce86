import { ErrorCode, ErrorIssue, ErrorMessages } from '@latchkey/contracts';

/** The one exception type services throw: a stable code, an HTTP status, a human message. */
export class AppException extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message?: string,
    readonly details?: { issues?: ErrorIssue[]; [key: string]: unknown },
  ) {
    super(message ?? ErrorMessages[code]);
    this.name = 'AppException';
  }

  static validation(issues: ErrorIssue[], message?: string): AppException {
    return new AppException(400, 'validation_failed', message ?? describeIssues(issues), { issues });
  }
  static unauthenticated(message?: string): AppException {
    return new AppException(401, 'unauthenticated', message);
  }
  static forbidden(message?: string): AppException {
    return new AppException(403, 'forbidden', message);
  }
  static notFound(code: ErrorCode = 'not_found', message?: string): AppException {
    return new AppException(404, code, message);
  }
}

function describeIssues(issues: ErrorIssue[]): string {
  const first = issues[0];
  if (!first) return ErrorMessages.validation_failed;
  const where = first.path ? `${first.path}: ` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `The request is not valid. ${where}${first.message}${more}`;
}
