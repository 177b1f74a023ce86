import { HttpErrorResponse } from '@angular/common/http';
import type { ErrorBody, ErrorCode } from './api-types';

/** What went wrong with an API call, in the words the API used. */
export interface ApiProblem {
  status: number;
  code: ErrorCode | 'network_error' | 'unknown_error';
  message: string;
  /** Messages by field path (`email`, `baseUrl`, …), from `details.issues`. */
  fields: Readonly<Record<string, string>>;
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

export function toApiProblem(err: unknown): ApiProblem {
  if (err instanceof HttpErrorResponse) {
    if (err.status === 0) {
      return {
        status: 0,
        code: 'network_error',
        message: 'Latchkey could not be reached. Check your connection and try again.',
        fields: {},
      };
    }
    if (isErrorBody(err.error)) {
      const fields: Record<string, string> = {};
      for (const issue of err.error.error.details?.issues ?? []) {
        if (typeof issue?.path !== 'string' || typeof issue.message !== 'string' || issue.path === '') continue;
        fields[issue.path] = fields[issue.path] ? `${fields[issue.path]} ${issue.message}` : issue.message;
      }
      return { status: err.status, code: err.error.error.code, message: err.error.error.message, fields };
    }
    return {
      status: err.status,
      code: 'unknown_error',
      message: `Latchkey answered with an unexpected error (HTTP ${err.status}). Try again.`,
      fields: {},
    };
  }
  return { status: 0, code: 'unknown_error', message: 'Something went wrong. Try again.', fields: {} };
}
