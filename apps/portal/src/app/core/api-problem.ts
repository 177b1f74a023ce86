import type { ErrorCode } from '@latchkey/contracts';
import { passkeyCancelled } from '@latchkey/ui';
import { ApiError } from './portal-api';

/** What went wrong with an API call, in the words the API used (its messages are written for members). */
export interface ApiProblem {
  status: number;
  code: ErrorCode | 'network_error' | 'unknown_error';
  message: string;
}

function errorOf(body: unknown): { code: ErrorCode; message: string } | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? { code: code as ErrorCode, message } : null;
}

export function toApiProblem(err: unknown): ApiProblem {
  if (err instanceof ApiError) {
    if (err.status === 0) {
      return { status: 0, code: 'network_error', message: 'Latchkey could not be reached. Check your connection and try again.' };
    }
    const body = errorOf(err.body);
    if (body?.code === 'unauthenticated') {
      return { status: err.status, code: body.code, message: 'This page has been open too long. Open your link again, or sign in to your media server again to get a new one.' };
    }
    if (body) return { status: err.status, ...body };
    return { status: err.status, code: 'unknown_error', message: `Something went wrong (error ${err.status}). Try again in a moment.` };
  }
  return { status: 0, code: 'unknown_error', message: 'Something went wrong. Try again.' };
}

/** What to say when making or using a passkey failed: closed by the member, refused by the API, or not possible here. */
export function passkeyProblem(err: unknown, words: { cancelled: string; failed: string }): string {
  if (passkeyCancelled(err)) return words.cancelled;
  return err instanceof ApiError ? toApiProblem(err).message : words.failed;
}
