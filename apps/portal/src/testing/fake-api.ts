import type { ApiFetch, ApiResponse } from '../app/core/portal-api';

/** One call the page made, as the API would see it. */
export interface FakeRequest {
  url: string;
  method: string;
  body: unknown;
  headers: { get(name: string): string | null };
}

/** A call waiting for its answer: `flush` answers it (status 200 unless told). */
export class PendingCall {
  constructor(
    readonly request: FakeRequest,
    private readonly answer: (res: ApiResponse) => void,
  ) {}

  flush(body: unknown, opts: { status?: number; statusText?: string } = {}): void {
    const status = opts.status ?? 200;
    const text = body === null || body === undefined ? '' : JSON.stringify(body);
    this.answer({ ok: status >= 200 && status < 300, status, text: () => Promise.resolve(text) });
  }
}

/**
 * Stands in for the API behind `API_FETCH`: the page's calls wait until the test answers them, in the manner of
 * Angular's HttpTestingController (`expectOne(url).flush(body)`, `verify()`).
 */
export class FakeApi {
  private pending: PendingCall[] = [];

  readonly fetch: ApiFetch = (url, init) =>
    new Promise<ApiResponse>((resolve) => {
      const headers = new Map(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
      const request: FakeRequest = {
        url,
        method: init.method ?? 'GET',
        body: typeof init.body === 'string' ? JSON.parse(init.body) : null,
        headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
      };
      this.pending.push(new PendingCall(request, resolve));
    });

  /** The one waiting call to `url` (taken off the list); throws when there is none or more than one. */
  expectOne(url: string): PendingCall {
    const matches = this.pending.filter((p) => p.request.url === url);
    if (matches.length !== 1) {
      throw new Error(`expected one call to ${url}, found ${matches.length}; waiting: ${this.describe() || 'none'}`);
    }
    this.pending = this.pending.filter((p) => p !== matches[0]);
    return matches[0]!;
  }

  expectNone(url: string): void {
    const n = this.pending.filter((p) => p.request.url === url).length;
    if (n) throw new Error(`expected no call to ${url}, found ${n}`);
  }

  /** No call is left unanswered. */
  verify(): void {
    if (this.pending.length) throw new Error(`calls left unanswered: ${this.describe()}`);
  }

  private describe(): string {
    return this.pending.map((p) => `${p.request.method} ${p.request.url}`).join(', ');
  }
}
