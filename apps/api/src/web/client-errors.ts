import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ErrorBody, ErrorCode, ErrorMessages } from '@latchkey/contracts';
import { API_CSP } from './security-headers';

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (headers too large, a malformed request
 * line or body framing, a client too slow to send its request): answered in the one error shape with
 * the usual security headers, then the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, reason] = describe(err.code);
  // As Node's own handler: answer only when no response is in flight on this socket, or none of it has been
  // written yet — never into the middle of another answer (bytes after a `Connection: close` request).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body: ErrorBody = { error: { code, message: ErrorMessages[code], requestId: randomUUID() } };
    const text = JSON.stringify(body);
    socket.write(
      [
        `HTTP/1.1 ${status} ${reason}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(text)}`,
        'Connection: close',
        'Cache-Control: no-store',
        `Content-Security-Policy: ${API_CSP}`,
        'X-Content-Type-Options: nosniff',
        'X-Frame-Options: DENY',
        'Referrer-Policy: no-referrer',
        '',
        text,
      ].join('\r\n'),
    );
  }
  socket.destroy(err);
}

function describe(code: string | undefined): [number, ErrorCode, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'Request Timeout'];
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'Request Header Fields Too Large'];
  return [400, 'validation_failed', 'Bad Request'];
}
